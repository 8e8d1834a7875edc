export interface Greeting {
  text: string;
  length: number;
}
export declare function greet(greeting: string, name: string): Greeting;
