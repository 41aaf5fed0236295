package ai.netra.http;

import java.util.List;
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
 * {@code /startup}, and their files under {@code /assets/}. It sits outside the {@link StartingGate}, because
 * the timeline is watched while the service starts and the chat page shows a banner then. Any other path is
 * left to the routes behind the gate.
 */
final class WebUi extends Handler.Wrapper {

  /** The folder on the classpath that holds the pages. */
  static final String CLASSPATH_FOLDER = "web/";
  static final String ASSETS = "/assets/";

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
      ResourceHandler files = new ResourceHandler() {
        @Override
        protected HttpContent.Factory newHttpContentFactory(ByteBufferPool.Sized buffers) {
          setMimeTypes(withCharset(getMimeTypes())); // the context's table, set in doStart just before this call
          return super.newHttpContentFactory(buffers);
        }
      };
      Resource folder = ResourceFactory.of(this).newClassLoaderResource(CLASSPATH_FOLDER);
      if (folder == null) {
        throw new IllegalStateException("the web pages (" + CLASSPATH_FOLDER + ") cannot be read from the classpath");
      }
      files.setBaseResource(folder);
      files.setEtags(true);
      files.setCacheControl(CACHE_CONTROL);
      files.setDirAllowed(false);
      files.setWelcomeFiles(List.of()); // "/" and "/startup" are mapped below; no folder is ever a page
      files.setServer(getServer());
      setHandler(files);
      if (!files.isStarted()) {
        files.start();
      }
      mounted = true;
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
    String file = switch (path) {
      case "/" -> "/index.html";
      case "/startup" -> "/startup.html";
      default -> path.startsWith(ASSETS) && !path.endsWith("/") ? path : null;
    };
    if (file == null) {
      return false;
    }
    response.getHeaders().put("Content-Security-Policy", CONTENT_SECURITY_POLICY);
    response.getHeaders().put("X-Content-Type-Options", "nosniff");
    response.getHeaders().put("Referrer-Policy", "no-referrer");
    if (!mounted) {
      mount();
    }
    Request target = file.equals(path) ? request : Request.serveAs(request, HttpURI.build(request.getHttpURI()).path(file));
    if (super.handle(target, response, callback)) {
      return true;
    }
    // These paths belong to the pages alone, so what the jar does not hold is answered here, also while starting.
    String method = request.getMethod();
    if (!HttpMethod.GET.is(method) && !HttpMethod.HEAD.is(method)) {
      response.getHeaders().put(HttpHeader.ALLOW, "GET, HEAD");
      return Replies.error(response, callback, 405, "method_not_allowed", path + " answers GET and HEAD only, not " + method);
    }
    return Replies.error(response, callback, 404, "not_found", "no page or asset " + path);
  }
}
