// A TypeScript Worker that imports an npm package (@example/greet, installed by `npm install`).
import { greet, type Greeting } from '@example/greet';

interface Env {
  GREETING: string;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const name = new URL(request.url).searchParams.get('name') ?? 'world';
    const greeting: Greeting = greet(env.GREETING, name);
    return Response.json(greeting);
  },
};
