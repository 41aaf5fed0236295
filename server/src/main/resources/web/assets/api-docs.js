// The API page: Swagger UI from its WebJar in the jar, showing this service's /openapi.json. No validator
// badge: it would send the description to validator.swagger.io, and the page talks only to its own origin.
window.ui = window.SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  validatorUrl: null,
  deepLinking: true,
});
