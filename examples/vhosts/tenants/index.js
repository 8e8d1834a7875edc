// *.tenants.example.test: one app for every tenant, which reads the tenant from the host name.
export default {
  fetch(request) {
    const tenant = new URL(request.url).hostname.split('.')[0];
    return Response.json({ tenant });
  },
};
