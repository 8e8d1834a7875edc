// Attack "crypto": floods crypto.subtle. Each request derives a PBKDF2 key of 1,000,000
// iterations, every 4th one also generates an RSA 4096 key pair, and answers when they are done
// (or 500 when the runtime refuses them). The bench keeps four in flight: enough to keep every
// thread of the host's crypto pool (libuv's four, shared with every app's DNS, zlib and file
// reads) busy all the time, while each request still ends within a few seconds.
const password = new TextEncoder().encode('correct horse battery staple');
let n = 0;
export default {
  async fetch() {
    n++;
    const key = await crypto.subtle.importKey('raw', password, 'PBKDF2', false, ['deriveBits']);
    const salt = crypto.getRandomValues(new Uint8Array(16));
    const jobs = [crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations: 1_000_000 }, key, 256)];
    if (n % 4 === 0) {
      jobs.push(
        crypto.subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 4096, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, false, ['sign', 'verify']),
      );
    }
    await Promise.all(jobs);
    return new Response(n % 4 === 0 ? 'derived a key, generated an RSA key' : 'derived a key');
  },
};
