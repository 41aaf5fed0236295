package ai.netra.http;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.MimeTypes;
import org.eclipse.jetty.http.content.HttpContent;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ResourceHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.resource.Resource;
import org.eclipse.jetty.util.resource.ResourceFactory;

/**
 * The browser pages packaged in the jar under {@code web/}: the chat at {@code /}, the startup timeline at
 * {@code /startup}, the API description at {@code /openapi.json} and its page {@code /api-docs}, and their files
 * under {@code /assets/}. It sits outside the {@link StartingGate}, because
 * the timeline is watched while the service starts and the chat page shows a banner then. Any other path is
 * left to the routes behind the gate. The libraries the chat page loads come from their WebJars in the jar, under
 * {@code /assets/vendor/NAME/}, a path that does not change with their version.
 */
final class WebUi extends Handler.Wrapper {

  /** The folder on the classpath that holds the pages. */
  static final String CLASSPATH_FOLDER = "web/";
  static final String ASSETS = "/assets/";
  static final String VENDOR = ASSETS + "vendor/";
  /** The OpenAPI 3.1 description of the REST API and the chat frames, a file of the pages. */
  static final String OPENAPI_PATH = "/openapi.json";

  /**
   * The WebJars the pages load, by the name in their path ({@code /assets/vendor/uplot/uPlot.min.css}) and their
   * Maven coordinates (group/artifact). Only each library's {@code dist/} folder is served: its built files.
   */
  static final Map<String, Vendor> VENDORS = Map.of(
      "uplot", Vendor.npm("org.webjars.npm/uplot"),
      "markdown-it", Vendor.npm("org.webjars.npm/markdown-it"),
      "swagger-ui", new Vendor("org.webjars/swagger-ui", "", "swagger-ui-bundle.js"));

  /**
   * Where a WebJar keeps the files served: {@code folder} under its version folder, found through {@code knownFile}
   * there (a WebJar holds no entry for a folder itself). An npm WebJar serves its {@code dist/}, found through its
   * {@code package.json}; a classic one keeps its files in the version folder.
   */
  record Vendor(String coordinates, String folder, String knownFile) {
    static Vendor npm(String coordinates) {
      return new Vendor(coordinates, "dist/", "package.json");
    }
  }

  /**
   * Names carry no version, so a browser must ask again each time; the ETag makes that a 304 without a body.
   * The same policy for the pages and their assets keeps a page and its scripts from different builds apart.
   */
  static final String CACHE_CONTROL = "no-cache";

  /**
   * The pages load only their own files and talk only to this origin (the API and the chat socket); nothing
   * may frame them. {@code 'self'} covers the same-origin {@code ws:}/{@code wss:} socket in current browsers.
   */
  static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
      + "img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

  private final Object mounting = new Object();
  private volatile boolean mounted;
  private volatile Map<String, ResourceHandler> vendors = Map.of();

  WebUi() {
    super(true); // the files are mounted on first use, after the server started
    if (WebUi.class.getClassLoader().getResource(CLASSPATH_FOLDER + "index.html") == null) {
      throw new IllegalStateException("the web pages (" + CLASSPATH_FOLDER + ") are missing from the classpath; "
          + "this build of the jar is broken");
    }
  }

  /**
   * Serves the pages from the jar through Jetty's resource handler (ETags, 304s, HEAD, ranges). Done on the
   * first page request, not at start: Jetty reads a packaged folder by mounting the whole jar as a zip file
   * system, whose index of the jar's ~14,000 entries cost ~0.1 s of a one-CPU start (with the compiler work
   * it sets off), while most starts never serve a page.
   */
  private void mount() throws Exception {
    synchronized (mounting) {
      if (mounted) {
        return;
      }
      ResourceFactory resources = ResourceFactory.of(this);
      Resource folder = resources.newClassLoaderResource(CLASSPATH_FOLDER);
      if (folder == null) {
        throw new IllegalStateException("the web pages (" + CLASSPATH_FOLDER + ") cannot be read from the classpath");
      }
      ResourceHandler files = files(folder);
      setHandler(files);
      if (!files.isStarted()) {
        files.start();
      }
      Map<String, ResourceHandler> libraries = new LinkedHashMap<>();
      for (Map.Entry<String, Vendor> vendor : VENDORS.entrySet()) {
        ResourceHandler library = files(resources.newResource(webJarDist(vendor.getKey(), vendor.getValue())));
        addBean(library, true);
        if (!library.isStarted()) {
          library.start();
        }
        libraries.put(vendor.getKey(), library);
      }
      vendors = Map.copyOf(libraries);
      mounted = true;
    }
  }

  /** Jetty's resource handler over {@code folder}, with the caching policy of the pages and no listings. */
  private ResourceHandler files(Resource folder) {
    ResourceHandler files = new ResourceHandler() {
      @Override
      protected HttpContent.Factory newHttpContentFactory(ByteBufferPool.Sized buffers) {
        setMimeTypes(withCharset(getMimeTypes())); // the context's table, set in doStart just before this call
        return super.newHttpContentFactory(buffers);
      }
    };
    files.setBaseResource(folder);
    files.setEtags(true);
    files.setCacheControl(CACHE_CONTROL);
    files.setDirAllowed(false);
    files.setWelcomeFiles(List.of()); // "/" and "/startup" are mapped below; no folder is ever a page
    files.setServer(getServer());
    return files;
  }

  /**
   * The folder of a WebJar on the classpath whose files are served, whichever version the build packaged: the
   * version comes from the WebJar's {@code pom.properties}, the location from a file known to be there.
   */
  static URI webJarDist(String name, Vendor vendor) {
    ClassLoader loader = WebUi.class.getClassLoader();
    String coordinates = vendor.coordinates();
    String pom = "META-INF/maven/" + coordinates + "/pom.properties";
    Properties properties = new Properties();
    try (InputStream in = loader.getResourceAsStream(pom)) {
      if (in == null) {
        throw new IllegalStateException("the WebJar " + coordinates + " is missing from the classpath (no " + pom
            + "); this build of the jar is broken");
      }
      properties.load(in);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + pom + ": " + e.getMessage(), e);
    }
    String known = "META-INF/resources/webjars/" + name + "/" + properties.getProperty("version") + "/" + vendor.knownFile();
    URL url = loader.getResource(known);
    if (url == null) {
      throw new IllegalStateException("the WebJar " + coordinates + " has no " + known + "; this build of the jar is broken");
    }
    String text = url.toString();
    try {
      return new URI(text.substring(0, text.length() - vendor.knownFile().length()) + vendor.folder());
    } catch (URISyntaxException e) {
      throw new IllegalStateException("the WebJar " + coordinates + " lies at an unusable location " + text, e);
    }
  }

  /** The text types the pages use, labelled UTF-8: Jetty's defaults name no charset, and a browser would guess. */
  private static MimeTypes withCharset(MimeTypes base) {
    MimeTypes.Mutable types = new MimeTypes.Mutable(base);
    for (String extension : List.of("html", "css", "js")) {
      String type = types.getMimeByExtension("x." + extension);
      types.addMimeMapping(extension, MimeTypes.getContentTypeWithoutCharset(type) + ";charset=utf-8");
    }
    return types;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    String path = Request.getPathInContext(request);
    if (path.startsWith(VENDOR)) {
      return vendor(request, response, callback, path);
    }
    String file = switch (path) {
      case "/" -> "/index.html";
      case "/startup" -> "/startup.html";
      case "/api-docs" -> "/api-docs.html";
      case OPENAPI_PATH -> OPENAPI_PATH;
      default -> path.startsWith(ASSETS) && !path.endsWith("/") ? path : null;
    };
    if (file == null) {
      return false;
    }
    prepare(response);
    Request target = file.equals(path) ? request : Request.serveAs(request, HttpURI.build(request.getHttpURI()).path(file));
    if (super.handle(target, response, callback)) {
      return true;
    }
    return notServed(request, response, callback, path);
  }

  /** A file of a library: {@code /assets/vendor/NAME/FILE} is {@code FILE} in the {@code dist/} folder of its WebJar. */
  private boolean vendor(Request request, Response response, Callback callback, String path) throws Exception {
    prepare(response);
    String rest = path.substring(VENDOR.length());
    int slash = rest.indexOf('/');
    ResourceHandler library = slash <= 0 ? null : vendors.get(rest.substring(0, slash));
    String file = slash <= 0 ? "" : rest.substring(slash);
    if (library != null && file.length() > 1 && !file.endsWith("/")
        && library.handle(Request.serveAs(request, HttpURI.build(request.getHttpURI()).path(file)), response, callback)) {
      return true;
    }
    return notServed(request, response, callback, path);
  }

  /** Sets the headers of every page and asset, and mounts the files on first use. */
  private void prepare(Response response) throws Exception {
    response.getHeaders().put("Content-Security-Policy", CONTENT_SECURITY_POLICY);
    response.getHeaders().put("X-Content-Type-Options", "nosniff");
    response.getHeaders().put("Referrer-Policy", "no-referrer");
    if (!mounted) {
      mount();
    }
  }

  private static boolean notServed(Request request, Response response, Callback callback, String path) {
    // These paths belong to the pages alone, so what the jar does not hold is answered here, also while starting.
    String method = request.getMethod();
    if (!HttpMethod.GET.is(method) && !HttpMethod.HEAD.is(method)) {
      response.getHeaders().put(HttpHeader.ALLOW, "GET, HEAD");
      return Replies.error(response, callback, 405, "method_not_allowed", path + " answers GET and HEAD only, not " + method);
    }
    return Replies.error(response, callback, 404, "not_found", "no page or asset " + path);
  }
}
