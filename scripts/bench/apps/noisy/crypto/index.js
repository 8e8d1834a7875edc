// Attack "crypto": each request floods crypto.subtle with eight PBKDF2 derivations of 1,000,000
// iterations and one RSA 4096 key generation at once, and answers when all are done (or 500 when
// the runtime refuses them). A few of these in flight keep every thread of the host's crypto pool
// busy.
const password = new TextEncoder().encode('correct horse battery staple');
export default {
  async fetch() {
    const key = await crypto.subtle.importKey('raw', password, 'PBKDF2', false, ['deriveBits']);
    const jobs = [];
    for (let i = 0; i < 8; i++) {
      const salt = crypto.getRandomValues(new Uint8Array(16));
      jobs.push(crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations: 1_000_000 }, key, 256));
    }
    jobs.push(
      crypto.subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 4096, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, false, ['sign', 'verify']),
    );
    await Promise.all(jobs);
    return new Response('derived 8 keys, generated 1 RSA key');
  },
};
