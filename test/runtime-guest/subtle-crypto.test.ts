// crypto, SubtleCrypto and CryptoKey inside a real isolate: known-answer vectors, every operation
// for each algorithm family, key formats, the spec's error names, brand checks and key handles.
import t from 'tap';
import { webcrypto } from 'node:crypto';
import { createGuest, type Guest } from '../helpers/guest.js';

let g: Guest;
t.before(async () => {
  g = await createGuest('subtle-crypto');
  // Helpers every snippet below may use.
  await g.run(`
    globalThis.hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');
    globalThis.unhex = (s) => new Uint8Array((s.match(/../g) ?? []).map((h) => parseInt(h, 16)));
    globalThis.utf8 = (s) => new TextEncoder().encode(s);
    globalThis.failure = async (p) => { try { await p; return 'resolved'; } catch (e) { return e.constructor.name + '/' + e.name; } };
  `);
});
t.teardown(() => g.dispose());

t.test('Crypto, SubtleCrypto, CryptoKey: globals, brand checks, illegal constructors', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const out = {};
    out.instance = crypto instanceof Crypto && Object.getPrototypeOf(crypto) === Crypto.prototype;
    out.sameSubtle = crypto.subtle === crypto.subtle && crypto.subtle instanceof SubtleCrypto;
    out.tags = [String(crypto), String(crypto.subtle), Object.prototype.toString.call(Crypto.prototype)];
    out.ctors = [Crypto, SubtleCrypto, CryptoKey].map((C) => { try { new C(); return 'constructed'; } catch (e) { return e.constructor.name; } });
    out.getterBrand = (() => { try { Object.getOwnPropertyDescriptor(Crypto.prototype, 'subtle').get.call({}); return 'ok'; } catch (e) { return e.constructor.name; } })();
    out.methodBrand = await failure(SubtleCrypto.prototype.digest.call({}, 'SHA-256', new Uint8Array(1)));
    out.rejectsNotThrows = (() => { try { const p = crypto.subtle.digest(); p.catch(() => {}); return p instanceof Promise; } catch { return 'threw'; } })();
    out.lengths = ['encrypt', 'decrypt', 'sign', 'verify', 'digest', 'generateKey', 'deriveKey', 'deriveBits', 'importKey', 'exportKey', 'wrapKey', 'unwrapKey'].map((m) => SubtleCrypto.prototype[m].length);
    out.enumerable = Object.getOwnPropertyDescriptor(SubtleCrypto.prototype, 'digest').enumerable && Object.getOwnPropertyDescriptor(CryptoKey.prototype, 'algorithm').enumerable;
    out.keyAttrs = Object.keys(CryptoKey.prototype);
    return out;
  `);
  t.equal(r.instance, true, 'crypto instanceof Crypto');
  t.equal(r.sameSubtle, true, 'crypto.subtle is [SameObject]');
  t.same(r.tags, ['[object Crypto]', '[object SubtleCrypto]', '[object Crypto]']);
  t.same(r.ctors, ['TypeError', 'TypeError', 'TypeError'], 'illegal constructors');
  t.equal(r.getterBrand, 'TypeError');
  t.equal(r.methodBrand, 'TypeError/TypeError', 'a wrong `this` rejects with TypeError');
  t.equal(r.rejectsNotThrows, true, 'argument errors reject the promise instead of throwing');
  t.same(r.lengths, [3, 3, 3, 4, 2, 3, 5, 2, 5, 2, 4, 7]);
  t.equal(r.enumerable, true);
  t.same(r.keyAttrs, ['type', 'extractable', 'algorithm', 'usages']);
});

t.test('getRandomValues and randomUUID', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const a = crypto.getRandomValues(new Uint32Array(8));
    const big = crypto.getRandomValues(new Uint8Array(65536));
    const err = (f) => { try { f(); return 'ok'; } catch (e) { return e.constructor.name + '/' + e.name; } };
    return {
      same: a === a && a.some((x) => x !== 0),
      big: big.length,
      floats: err(() => crypto.getRandomValues(new Float32Array(4))),
      dataView: err(() => crypto.getRandomValues(new DataView(new ArrayBuffer(4)))),
      notView: err(() => crypto.getRandomValues([1, 2, 3])),
      tooBig: err(() => crypto.getRandomValues(new Uint8Array(65537))),
      fakeProto: err(() => crypto.getRandomValues(Object.setPrototypeOf(new Float64Array(2), Uint8Array.prototype))),
      bigint: err(() => crypto.getRandomValues(new BigUint64Array(2))),
      uuid: crypto.randomUUID(),
      unique: new Set(Array.from({ length: 100 }, () => crypto.randomUUID())).size,
      unbound: err(() => (0, crypto.randomUUID)()),
    };
  `);
  t.equal(r.same, true);
  t.equal(r.big, 65536);
  t.equal(r.floats, 'DOMException/TypeMismatchError');
  t.equal(r.dataView, 'DOMException/TypeMismatchError');
  t.equal(r.notView, 'TypeError/TypeError', 'not an ArrayBufferView: WebIDL TypeError');
  t.equal(r.tooBig, 'DOMException/QuotaExceededError');
  t.equal(r.fakeProto, 'DOMException/TypeMismatchError', 'the element type is checked, not the prototype');
  t.equal(r.bigint, 'ok');
  t.match(r.uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  t.equal(r.unique, 100);
  t.equal(r.unbound, 'TypeError/TypeError', 'randomUUID is brand-checked');
});

t.test('digest: SHA family known answers, BufferSource views, string identifiers and objects', async (t) => {
  const r = await g.run<string[]>(`
    const abc = utf8('abc');
    return Promise.all([
      crypto.subtle.digest('SHA-1', abc),
      crypto.subtle.digest({ name: 'sha-256' }, abc),
      crypto.subtle.digest('SHA-384', abc.buffer),
      crypto.subtle.digest('SHA-512', new DataView(utf8('xabcx').buffer, 1, 3)),
    ]).then((list) => list.map(hex));
  `);
  t.same(r, [
    'a9993e364706816aba3e25717850c26c9cd0d89d',
    'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    'cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7',
    'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
  ]);
  const copy = await g.run<string>(`
    const data = utf8('abc');
    const p = crypto.subtle.digest('SHA-256', data);
    data[0] = 0; // the bytes were copied when digest() was called
    return hex(await p);
  `);
  t.equal(copy, 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

t.test('HMAC: RFC 4231 vector, verify, generateKey defaults, jwk round trip', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const key = await crypto.subtle.importKey('raw', utf8('Jefe'), { name: 'HMAC', hash: 'SHA-256' }, true, ['sign', 'verify']);
    const sig = await crypto.subtle.sign('HMAC', key, utf8('what do ya want for nothing?'));
    const gen = await crypto.subtle.generateKey({ name: 'HMAC', hash: { name: 'SHA-512' } }, true, ['sign']);
    const jwk = await crypto.subtle.exportKey('jwk', key);
    const back = await crypto.subtle.importKey('jwk', jwk, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
    return {
      sig: hex(sig),
      ok: await crypto.subtle.verify('HMAC', back, sig, utf8('what do ya want for nothing?')),
      bad: await crypto.subtle.verify('HMAC', back, sig, utf8('what do ya want for something?')),
      alg: key.algorithm,
      sameAlgObject: key.algorithm === key.algorithm && key.usages === key.usages,
      gen: [gen.type, gen.algorithm.length, gen.algorithm.hash.name, gen.usages],
      jwk: [jwk.kty, jwk.alg, jwk.k, jwk.ext, jwk.key_ops],
      back: [back.extractable, back.usages],
    };
  `);
  t.equal(r.sig, '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  t.equal(r.ok, true);
  t.equal(r.bad, false);
  t.same(r.alg, { name: 'HMAC', length: 32, hash: { name: 'SHA-256' } });
  t.equal(r.sameAlgObject, true, 'algorithm and usages are cached objects');
  t.same(r.gen, ['secret', 1024, 'SHA-512', ['sign']]);
  t.same(r.jwk, ['oct', 'HS256', 'SmVmZQ', true, ['sign', 'verify']]);
  t.same(r.back, [false, ['verify']]);
});

t.test('AES-GCM/CBC/CTR match Node for the same key and nonce; AES-KW wraps', async (t) => {
  const key = new Uint8Array(32).map((_, i) => i);
  const iv = new Uint8Array(16).map((_, i) => 255 - i);
  const data = new TextEncoder().encode('the quick brown fox jumps over the lazy dog');
  const host = webcrypto.subtle;
  const hex = (b: ArrayBuffer): string => Buffer.from(b).toString('hex');
  const expected = {
    gcm: hex(await host.encrypt({ name: 'AES-GCM', iv: iv.subarray(0, 12), additionalData: new Uint8Array([1, 2]) }, await host.importKey('raw', key, 'AES-GCM', false, ['encrypt']), data)),
    cbc: hex(await host.encrypt({ name: 'AES-CBC', iv }, await host.importKey('raw', key, 'AES-CBC', false, ['encrypt']), data)),
    ctr: hex(await host.encrypt({ name: 'AES-CTR', counter: iv, length: 64 }, await host.importKey('raw', key, 'AES-CTR', false, ['encrypt']), data)),
  };
  const r = await g.run<Record<string, string>>(`
    const raw = new Uint8Array(32).map((_, i) => i);
    const iv = new Uint8Array(16).map((_, i) => 255 - i);
    const data = utf8('the quick brown fox jumps over the lazy dog');
    const gcmKey = await crypto.subtle.importKey('raw', raw, 'AES-GCM', true, ['encrypt', 'decrypt']);
    const cbcKey = await crypto.subtle.importKey('raw', raw, { name: 'AES-CBC' }, false, ['encrypt', 'decrypt']);
    const ctrKey = await crypto.subtle.importKey('raw', raw.buffer, 'AES-CTR', false, ['encrypt', 'decrypt']);
    const gcm = await crypto.subtle.encrypt({ name: 'AES-GCM', iv: iv.subarray(0, 12), additionalData: new Uint8Array([1, 2]) }, gcmKey, data);
    const cbc = await crypto.subtle.encrypt({ name: 'AES-CBC', iv }, cbcKey, data);
    const ctr = await crypto.subtle.encrypt({ name: 'AES-CTR', counter: iv, length: 64 }, ctrKey, data);
    const dec = new TextDecoder();
    const kek = await crypto.subtle.generateKey({ name: 'AES-KW', length: 128 }, false, ['wrapKey', 'unwrapKey']);
    const wrapped = await crypto.subtle.wrapKey('raw', gcmKey, kek, 'AES-KW');
    const unwrapped = await crypto.subtle.unwrapKey('raw', wrapped, kek, 'AES-KW', 'AES-GCM', true, ['decrypt']);
    const again = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: iv.subarray(0, 12), additionalData: new Uint8Array([1, 2]) }, unwrapped, gcm);
    return {
      gcm: hex(gcm), cbc: hex(cbc), ctr: hex(ctr),
      gcmBack: dec.decode(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: iv.subarray(0, 12), additionalData: new Uint8Array([1, 2]) }, gcmKey, gcm)),
      cbcBack: dec.decode(await crypto.subtle.decrypt({ name: 'AES-CBC', iv }, cbcKey, cbc)),
      ctrBack: dec.decode(await crypto.subtle.decrypt({ name: 'AES-CTR', counter: iv, length: 64 }, ctrKey, ctr)),
      wrappedLength: String(wrapped.byteLength),
      unwrapped: dec.decode(again),
      tampered: await failure(crypto.subtle.decrypt({ name: 'AES-GCM', iv: iv.subarray(0, 12) }, gcmKey, gcm)),
    };
  `);
  t.equal(r.gcm, expected.gcm);
  t.equal(r.cbc, expected.cbc);
  t.equal(r.ctr, expected.ctr);
  t.equal(r.gcmBack, 'the quick brown fox jumps over the lazy dog');
  t.equal(r.cbcBack, 'the quick brown fox jumps over the lazy dog');
  t.equal(r.ctrBack, 'the quick brown fox jumps over the lazy dog');
  t.equal(r.wrappedLength, '40', 'AES-KW output is 8 bytes longer');
  t.equal(r.unwrapped, 'the quick brown fox jumps over the lazy dog');
  t.equal(r.tampered, 'DOMException/OperationError', 'wrong additional data fails authentication');
});

t.test('RSA: PSS and PKCS1 sign/verify, OAEP with keys from the host in spki/pkcs8, jwk export', async (t) => {
  const host = webcrypto.subtle;
  const pair = (await host.generateKey(
    { name: 'RSA-OAEP', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['encrypt', 'decrypt'],
  )) as webcrypto.CryptoKeyPair;
  const spki = Buffer.from(await host.exportKey('spki', pair.publicKey)).toString('hex');
  const pkcs8 = Buffer.from(await host.exportKey('pkcs8', pair.privateKey)).toString('hex');
  const r = await g.run<Record<string, unknown>>(`
    const pss = await crypto.subtle.generateKey({ name: 'RSA-PSS', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign', 'verify']);
    const sig = await crypto.subtle.sign({ name: 'RSA-PSS', saltLength: 32 }, pss.privateKey, utf8('msg'));
    const pkcs1 = await crypto.subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-1' }, false, ['sign', 'verify']);
    const sig1 = await crypto.subtle.sign('RSASSA-PKCS1-v1_5', pkcs1.privateKey, utf8('msg'));
    const pub = await crypto.subtle.importKey('spki', unhex('${spki}'), { name: 'RSA-OAEP', hash: 'SHA-256' }, true, ['encrypt']);
    const priv = await crypto.subtle.importKey('pkcs8', unhex('${pkcs8}'), { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['decrypt']);
    const ct = await crypto.subtle.encrypt({ name: 'RSA-OAEP', label: utf8('l') }, pub, utf8('secret'));
    const jwk = await crypto.subtle.exportKey('jwk', pub);
    return {
      pair: [pss.publicKey.type, pss.privateKey.type, pss.publicKey.usages, pss.privateKey.usages],
      alg: [pss.publicKey.algorithm.name, pss.publicKey.algorithm.modulusLength, [...pss.publicKey.algorithm.publicExponent], pss.publicKey.algorithm.hash],
      pssOk: await crypto.subtle.verify({ name: 'RSA-PSS', saltLength: 32 }, pss.publicKey, sig, utf8('msg')),
      pkcs1Ok: await crypto.subtle.verify('RSASSA-PKCS1-v1_5', pkcs1.publicKey, sig1, utf8('msg')),
      pkcs1Bad: await crypto.subtle.verify('RSASSA-PKCS1-v1_5', pkcs1.publicKey, sig1, utf8('msh')),
      oaep: new TextDecoder().decode(await crypto.subtle.decrypt({ name: 'RSA-OAEP', label: utf8('l') }, priv, ct)),
      jwk: [jwk.kty, jwk.alg, jwk.e, typeof jwk.n],
      spkiBack: hex(await crypto.subtle.exportKey('spki', pub)) === '${spki}',
      noPrivateExport: await failure(crypto.subtle.exportKey('pkcs8', priv)),
    };
  `);
  t.same(r.pair, ['public', 'private', ['verify'], ['sign']]);
  t.same(r.alg, ['RSA-PSS', 1024, [1, 0, 1], { name: 'SHA-256' }]);
  t.equal(r.pssOk, true);
  t.equal(r.pkcs1Ok, true);
  t.equal(r.pkcs1Bad, false);
  t.equal(r.oaep, 'secret', 'the guest decrypts what it encrypted with the host-made key pair');
  t.same(r.jwk, ['RSA', 'RSA-OAEP-256', 'AQAB', 'string']);
  t.equal(r.spkiBack, true);
  t.equal(r.noPrivateExport, 'DOMException/InvalidAccessError', 'a non-extractable key does not export');
});

t.test('ECDSA, ECDH (deriveBits, deriveKey), Ed25519 and X25519', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const ec = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
    const sig = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, ec.privateKey, utf8('m'));
    const raw = await crypto.subtle.exportKey('raw', ec.publicKey);
    const imported = await crypto.subtle.importKey('raw', raw, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']);
    const a = await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-384' }, false, ['deriveBits', 'deriveKey']);
    const b = await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-384' }, false, ['deriveBits']);
    const ab = await crypto.subtle.deriveBits({ name: 'ECDH', public: b.publicKey }, a.privateKey, 384);
    const ba = await crypto.subtle.deriveBits({ name: 'ECDH', public: a.publicKey }, b.privateKey, 384);
    const aes = await crypto.subtle.deriveKey({ name: 'ECDH', public: b.publicKey }, a.privateKey, { name: 'AES-GCM', length: 256 }, true, ['encrypt']);
    const ed = await crypto.subtle.generateKey('Ed25519', true, ['sign', 'verify']);
    const edSig = await crypto.subtle.sign('Ed25519', ed.privateKey, utf8('m'));
    const x1 = await crypto.subtle.generateKey({ name: 'X25519' }, false, ['deriveBits']);
    const x2 = await crypto.subtle.generateKey({ name: 'X25519' }, false, ['deriveBits']);
    const x12 = await crypto.subtle.deriveBits({ name: 'X25519', public: x2.publicKey }, x1.privateKey, 256);
    const x21 = await crypto.subtle.deriveBits({ name: 'X25519', public: x1.publicKey }, x2.privateKey);
    return {
      ecdsa: await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, imported, sig, utf8('m')),
      ecAlg: imported.algorithm,
      rawLength: raw.byteLength,
      ecdh: hex(ab) === hex(ba) && ab.byteLength === 48,
      derivedKey: [aes.algorithm, aes.usages, (await crypto.subtle.exportKey('raw', aes)).byteLength],
      ed: await crypto.subtle.verify('Ed25519', ed.publicKey, edSig, utf8('m')),
      edJwk: (await crypto.subtle.exportKey('jwk', ed.publicKey)).crv,
      x25519: hex(x12) === hex(x21) && x21.byteLength === 32,
      notAKey: await failure(crypto.subtle.deriveBits({ name: 'ECDH', public: {} }, a.privateKey, 384)),
      wrongUse: await failure(crypto.subtle.deriveBits({ name: 'ECDH', public: b.publicKey }, b.privateKey.usages.includes('deriveKey') ? a.privateKey : ec.privateKey, 256)),
    };
  `);
  t.equal(r.ecdsa, true);
  t.same(r.ecAlg, { name: 'ECDSA', namedCurve: 'P-256' });
  t.equal(r.rawLength, 65);
  t.equal(r.ecdh, true, 'both sides derive the same secret');
  t.same(r.derivedKey, [{ name: 'AES-GCM', length: 256 }, ['encrypt'], 32]);
  t.equal(r.ed, true);
  t.equal(r.edJwk, 'Ed25519');
  t.equal(r.x25519, true, 'X25519 deriveBits with and without length');
  t.equal(r.notAKey, 'TypeError/TypeError', "ECDH's `public` must be a CryptoKey");
  t.equal(r.wrongUse, 'DOMException/InvalidAccessError', 'an ECDSA key cannot derive');
});

t.test('Ed448 and X448 (Secure Curves): RFC 8032 and RFC 7748 known answers, context, formats, no host warning', async (t) => {
  // Node marks both algorithms experimental; the host must not let an app print its warning.
  const warnings: string[] = [];
  const onWarning = (w: Error): void => void warnings.push(w.message);
  process.on('warning', onWarning);
  t.teardown(() => void process.off('warning', onWarning));
  const r = await g.run<Record<string, unknown>>(`
    const b64u = (h) => btoa(String.fromCharCode(...unhex(h))).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
    // RFC 8032 section 7.4: "-----Blank" and "1 octet (with context)".
    const ed = async (sk, pk, msg, context) => {
      const priv = await crypto.subtle.importKey('jwk', { kty: 'OKP', crv: 'Ed448', d: b64u(sk), x: b64u(pk) }, 'Ed448', false, ['sign']);
      const pub = await crypto.subtle.importKey('raw', unhex(pk), { name: 'Ed448' }, true, ['verify']);
      const alg = context === undefined ? { name: 'Ed448' } : { name: 'ed448', context: unhex(context) };
      const sig = await crypto.subtle.sign(alg, priv, unhex(msg));
      return [hex(sig), await crypto.subtle.verify(alg, pub, sig, unhex(msg)), await crypto.subtle.verify('Ed448', pub, sig, utf8('x'))];
    };
    const blank = await ed('6c82a562cb808d10d632be89c8513ebf6c929f34ddfa8c9f63c9960ef6e348a3528c8a3fcc2f044e39a3fc5b94492f8f032e7549a20098f95b', '5fd7449b59b461fd2ce787ec616ad46a1da1342485a70e1f8a0ea75d80e96778edf124769b46c7061bd6783df1e50f6cd1fa1abeafe8256180', '');
    const withContext = await ed('c4eab05d357007c632f3dbb48489924d552b08fe0c353a0d4a1f00acda2c463afbea67c5e8d2877c5e3bc397a659949ef8021e954e0a12274e', '43ba28f430cdff456ae531545f7ecd0ac834a55d9358c0372bfa0c6c6798c0866aea01eb00742802b8438ea4cb82169c235160627b4c3a9480', '03', '666f6f');
    // Generated pairs: both halves, the context binds the signature, every export format.
    const pair = await crypto.subtle.generateKey('Ed448', true, ['sign', 'verify']);
    const sig = await crypto.subtle.sign({ name: 'Ed448', context: utf8('ctx') }, pair.privateKey, utf8('m'));
    const jwk = await crypto.subtle.exportKey('jwk', pair.privateKey);
    const back = await crypto.subtle.importKey('jwk', jwk, 'Ed448', false, ['sign']);
    const spki = await crypto.subtle.exportKey('spki', pair.publicKey);
    const spkiKey = await crypto.subtle.importKey('spki', spki, 'Ed448', false, ['verify']);
    const pkcs8 = await crypto.subtle.exportKey('pkcs8', pair.privateKey);
    const sig2 = await crypto.subtle.sign('Ed448', await crypto.subtle.importKey('pkcs8', pkcs8, 'Ed448', false, ['sign']), utf8('m'));
    // RFC 7748 section 6.2: Alice's private key with Bob's public key.
    const alice = await crypto.subtle.importKey('jwk', { kty: 'OKP', crv: 'X448', d: b64u('9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28dd9c9baf574a9419744897391006382a6f127ab1d9ac2d8c0a598726b'), x: b64u('9b08f7cc31b7e3e67d22d5aea121074a273bd2b83de09c63faa73d2c22c5d9bbc836647241d953d40c5b12da88120d53177f80e532c41fa0') }, 'X448', false, ['deriveBits', 'deriveKey']);
    const bob = await crypto.subtle.importKey('raw', unhex('3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4f345b43027d8b972fc3e34fb4232a13ca706dcb57aec3dae07bdc1c67bf33609'), 'X448', true, []);
    const shared = await crypto.subtle.deriveBits({ name: 'X448', public: bob }, alice, 448);
    const aes = await crypto.subtle.deriveKey({ name: 'X448', public: bob }, alice, { name: 'AES-GCM', length: 256 }, true, ['encrypt']);
    const x1 = await crypto.subtle.generateKey({ name: 'X448' }, true, ['deriveBits']);
    const x2 = await crypto.subtle.generateKey('X448', false, ['deriveBits']);
    const x12 = await crypto.subtle.deriveBits({ name: 'X448', public: x2.publicKey }, x1.privateKey);
    const x21 = await crypto.subtle.deriveBits({ name: 'X448', public: x1.publicKey }, x2.privateKey, 448);
    return {
      blank, withContext,
      pair: [pair.publicKey.algorithm, pair.privateKey.algorithm, pair.publicKey.usages, pair.privateKey.usages, pair.publicKey.type],
      contextBinds: [
        await crypto.subtle.verify({ name: 'Ed448', context: utf8('ctx') }, spkiKey, sig, utf8('m')),
        await crypto.subtle.verify({ name: 'Ed448', context: utf8('other') }, pair.publicKey, sig, utf8('m')),
        await crypto.subtle.verify('Ed448', pair.publicKey, sig, utf8('m')),
      ],
      jwk: [jwk.kty, jwk.crv, typeof jwk.d, typeof jwk.x],
      jwkBack: await crypto.subtle.verify({ name: 'Ed448', context: utf8('ctx') }, pair.publicKey, await crypto.subtle.sign({ name: 'Ed448', context: utf8('ctx') }, back, utf8('m')), utf8('m')),
      pkcs8: await crypto.subtle.verify('Ed448', pair.publicKey, sig2, utf8('m')),
      rawLength: (await crypto.subtle.exportKey('raw', pair.publicKey)).byteLength,
      sigLength: sig.byteLength,
      longContext: await failure(crypto.subtle.sign({ name: 'Ed448', context: new Uint8Array(256) }, pair.privateKey, utf8('m'))),
      contextNotBytes: await failure(crypto.subtle.sign({ name: 'Ed448', context: 'ctx' }, pair.privateKey, utf8('m'))),
      badUsage: await failure(crypto.subtle.generateKey('Ed448', true, ['encrypt'])),
      shared: hex(shared),
      derivedKey: [aes.algorithm, (await crypto.subtle.exportKey('raw', aes)).byteLength],
      generated: hex(x12) === hex(x21) && x12.byteLength === 56,
      xJwk: (await crypto.subtle.exportKey('jwk', x1.publicKey)).crv,
      xAlg: x1.privateKey.algorithm,
      tooManyBits: await failure(crypto.subtle.deriveBits({ name: 'X448', public: x2.publicKey }, x1.privateKey, 456)),
      mixed: await failure(crypto.subtle.deriveBits({ name: 'X448', public: pair.publicKey }, x1.privateKey, 448)),
      signWithX448: await failure(crypto.subtle.sign('X448', x1.privateKey, utf8('m'))),
    };
  `);
  t.same(r.blank, ['533a37f6bbe457251f023c0d88f976ae2dfb504a843e34d2074fd823d41a591f2b233f034f628281f2fd7a22ddd47d7828c59bd0a21bfd3980ff0d2028d4b18a9df63e006c5d1c2d345b925d8dc00b4104852db99ac5c7cdda8530a113a0f4dbb61149f05a7363268c71d95808ff2e652600', true, false]);
  t.same(r.withContext, ['d4f8f6131770dd46f40867d6fd5d5055de43541f8c5e35abbcd001b32a89f7d2151f7647f11d8ca2ae279fb842d607217fce6e042f6815ea000c85741de5c8da1144a6a1aba7f96de42505d7a7298524fda538fccbbb754f578c1cad10d54d0d5428407e85dcbc98a49155c13764e66c3c00', true, false], 'the context reaches the signature');
  t.same(r.pair, [{ name: 'Ed448' }, { name: 'Ed448' }, ['verify'], ['sign'], 'public']);
  t.same(r.contextBinds, [true, false, false], 'a signature verifies only under its own context');
  t.same(r.jwk, ['OKP', 'Ed448', 'string', 'string']);
  t.equal(r.jwkBack, true);
  t.equal(r.pkcs8, true);
  t.equal(r.rawLength, 57);
  t.equal(r.sigLength, 114);
  t.equal(r.longContext, 'DOMException/OperationError', 'a context is at most 255 bytes');
  t.equal(r.contextNotBytes, 'TypeError/TypeError', 'context is a BufferSource');
  t.equal(r.badUsage, 'DOMException/SyntaxError');
  t.equal(r.shared, '07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282bb60c0b56fd2464c335543936521c24403085d59a449a5037514a879d');
  t.same(r.derivedKey, [{ name: 'AES-GCM', length: 256 }, 32]);
  t.equal(r.generated, true, 'both sides derive the same 56-byte secret, with and without length');
  t.equal(r.xJwk, 'X448');
  t.same(r.xAlg, { name: 'X448' });
  t.equal(r.tooManyBits, 'DOMException/OperationError');
  t.equal(r.mixed, 'DOMException/InvalidAccessError', 'an Ed448 key is not an X448 public key');
  t.equal(r.signWithX448, 'DOMException/NotSupportedError', 'X448 does not sign');
  await new Promise((resolve) => setImmediate(resolve));
  t.same(warnings.filter((w) => /Ed448|X448/.test(w)), [], 'no ExperimentalWarning reached the host process');
});

t.test('HKDF (RFC 5869) and PBKDF2 (RFC 7914) known answers, deriveKey from them', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const ikm = new Uint8Array(22).fill(0x0b);
    const hkdf = await crypto.subtle.importKey('raw', ikm, 'HKDF', false, ['deriveBits', 'deriveKey']);
    const okm = await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: unhex('000102030405060708090a0b0c'), info: unhex('f0f1f2f3f4f5f6f7f8f9') }, hkdf, 336);
    const pw = await crypto.subtle.importKey('raw', utf8('passwd'), { name: 'PBKDF2' }, false, ['deriveBits', 'deriveKey']);
    const dk = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: utf8('salt'), iterations: 1 }, pw, 512);
    const hmac = await crypto.subtle.deriveKey({ name: 'PBKDF2', hash: 'SHA-256', salt: utf8('salt'), iterations: 1000 }, pw, { name: 'HMAC', hash: 'SHA-256', length: 256 }, false, ['sign']);
    return {
      okm: hex(okm),
      dk: hex(dk),
      hmac: [hmac.algorithm, hmac.extractable],
      hkdfExtractable: await failure(crypto.subtle.importKey('raw', ikm, 'HKDF', true, ['deriveBits'])),
      tooManyIterations: await failure(crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: utf8('s'), iterations: 5000000 }, pw, 256)),
      tooLong: await failure(crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: utf8('s'), iterations: 1 }, pw, 8192)),
    };
  `);
  t.equal(r.okm, '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865');
  t.equal(r.dk, '55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783');
  t.same(r.hmac, [{ name: 'HMAC', length: 256, hash: { name: 'SHA-256' } }, false]);
  t.equal(r.hkdfExtractable, 'DOMException/SyntaxError', 'HKDF keys cannot be extractable');
  t.equal(r.tooManyIterations, 'DOMException/NotSupportedError', 'host work is bounded');
  t.equal(r.tooLong, 'DOMException/NotSupportedError');
});

t.test('errors are the spec names with clean messages, and WebIDL conversions reject', async (t) => {
  const r = await g.run<Record<string, string>>(`
    const aes = await crypto.subtle.importKey('raw', new Uint8Array(16), 'AES-GCM', false, ['encrypt']);
    const msg = async (p) => { try { await p; return 'resolved'; } catch (e) { return e.name + ': ' + e.message; } };
    return {
      unknownAlg: await failure(crypto.subtle.digest('MD5', new Uint8Array(1))),
      experimental: await failure(crypto.subtle.digest('SHA3-256', new Uint8Array(1))),
      noName: await failure(crypto.subtle.digest({}, new Uint8Array(1))),
      badLength: await failure(crypto.subtle.importKey('raw', new Uint8Array(5), 'AES-GCM', true, ['encrypt'])),
      badUsage: await failure(crypto.subtle.importKey('raw', new Uint8Array(16), 'AES-GCM', true, ['sign'])),
      usageEnum: await failure(crypto.subtle.importKey('raw', new Uint8Array(16), 'AES-GCM', true, ['fly'])),
      formatEnum: await failure(crypto.subtle.importKey('raw-secret', new Uint8Array(16), 'AES-GCM', true, ['encrypt'])),
      jwkWithBytes: await failure(crypto.subtle.importKey('jwk', new Uint8Array(16), 'AES-GCM', true, ['encrypt'])),
      rawWithObject: await failure(crypto.subtle.importKey('raw', { k: 'x' }, 'AES-GCM', true, ['encrypt'])),
      badSpki: await failure(crypto.subtle.importKey('spki', new Uint8Array(30), { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify'])),
      mismatch: await failure(crypto.subtle.encrypt({ name: 'AES-CBC', iv: new Uint8Array(16) }, aes, new Uint8Array(1))),
      missingIv: await failure(crypto.subtle.encrypt({ name: 'AES-GCM' }, aes, new Uint8Array(1))),
      ivNotBuffer: await failure(crypto.subtle.encrypt({ name: 'AES-GCM', iv: 'nope' }, aes, new Uint8Array(1))),
      keyNotKey: await failure(crypto.subtle.encrypt({ name: 'AES-GCM', iv: new Uint8Array(12) }, {}, new Uint8Array(1))),
      dataNotBuffer: await failure(crypto.subtle.digest('SHA-256', 'abc')),
      tooFewArgs: await failure(crypto.subtle.sign('HMAC')),
      unusedBadMember: await failure(crypto.subtle.digest({ name: 'SHA-256', iv: 'ignored for digests' }, new Uint8Array(1))),
      cleanMessage: await msg(crypto.subtle.encrypt({ name: 'AES-GCM', iv: 'nope' }, aes, new Uint8Array(1))),
      notSupportedMessage: await msg(crypto.subtle.digest('MD5', new Uint8Array(1))),
    };
  `);
  t.equal(r.unknownAlg, 'DOMException/NotSupportedError');
  t.equal(r.experimental, 'DOMException/NotSupportedError', "Node's experimental algorithms are not offered");
  t.equal(r.noName, 'TypeError/TypeError');
  t.equal(r.badLength, 'DOMException/DataError');
  t.equal(r.badUsage, 'DOMException/SyntaxError');
  t.equal(r.usageEnum, 'TypeError/TypeError');
  t.equal(r.formatEnum, 'TypeError/TypeError');
  t.equal(r.jwkWithBytes, 'TypeError/TypeError');
  t.equal(r.rawWithObject, 'TypeError/TypeError');
  t.equal(r.badSpki, 'DOMException/DataError');
  t.equal(r.mismatch, 'DOMException/InvalidAccessError');
  t.equal(r.missingIv, 'TypeError/TypeError');
  t.equal(r.ivNotBuffer, 'TypeError/TypeError');
  t.equal(r.keyNotKey, 'TypeError/TypeError');
  t.equal(r.dataNotBuffer, 'TypeError/TypeError');
  t.equal(r.tooFewArgs, 'TypeError/TypeError');
  t.equal(r.unusedBadMember, 'resolved', 'members an algorithm does not use are not converted');
  t.notMatch(r.cleanMessage, /\bBuffer\b|node:|\/|ERR_/, 'no Node-isms or paths in messages');
  t.equal(r.notSupportedMessage, 'NotSupportedError: Unrecognized algorithm name');
});

t.test('CryptoKey handles: structuredClone shares the key, no material in the isolate', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const key = await crypto.subtle.importKey('raw', utf8('k'), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    const copy = structuredClone(key);
    const a = await crypto.subtle.sign('HMAC', key, utf8('x'));
    const b = await crypto.subtle.sign('HMAC', copy, utf8('x'));
    return {
      copy: copy instanceof CryptoKey && copy !== key,
      same: hex(a) === hex(b),
      ownKeys: Reflect.ownKeys(key).length,
      json: JSON.stringify(key),
      attrs: [copy.type, copy.extractable, copy.algorithm.name, copy.usages],
    };
  `);
  t.equal(r.copy, true);
  t.equal(r.same, true, 'both handles sign with the same host key');
  t.equal(r.ownKeys, 0, 'a CryptoKey has no own properties');
  t.equal(r.json, '{}');
  t.same(r.attrs, ['secret', false, 'HMAC', ['sign']]);
});

t.test('keys the app dropped are released on the host (table limit 10,000 not reached)', async (t) => {
  // 12,000 imports, each dropped at once; garbage collection clears their handles and the ids
  // travel back with later ops, so the host table never fills up.
  const r = await g.run<string>(`
    const raw = utf8('key');
    for (let i = 0; i < 12000; i++) {
      await crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
      if (i % 500 === 0) { let junk = []; for (let j = 0; j < 50000; j++) junk.push({ j }); junk = null; await new Promise((r) => setTimeout(r, 0)); }
    }
    return 'done';
  `, 60_000);
  t.equal(r, 'done');
});
