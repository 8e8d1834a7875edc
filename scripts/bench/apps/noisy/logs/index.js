// Attack "logs": each request writes 300 lines of 1 MiB with console.log (300 MiB of log output).
const line = 'x'.repeat(1 << 20);
export default {
  fetch() {
    for (let i = 0; i < 300; i++) console.log(line);
    return new Response('logged 300 MiB');
  },
};
