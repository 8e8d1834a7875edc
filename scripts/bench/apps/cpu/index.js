// A CPU-bound handler: ~2 ms of hashing-like integer work per request.
export default {
  fetch() {
    let h = 0;
    for (let i = 0; i < 2_000_000; i++) h = (h * 31 + i) | 0;
    return new Response(String(h));
  },
};
