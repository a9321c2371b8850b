// A minimal SPARQL 1.1 Protocol endpoint on Apache Jena ARQ, for the engine tests.
//
//   java -cp CLASSPATH tests/engines/JenaEndpoint.java --data FILE.nq --port N [--timeout SECONDS]
//
// Loads the named graphs of FILE.nq whose IRI starts with one of GRAPHS (the others are skipped)
// and makes the default graph their union as a set. Answers GET /query?query=... and POST /query
// (form-encoded query= or an application/sparql-query body): SELECT and ASK as
// application/sparql-results+json, CONSTRUCT and DESCRIBE as application/n-triples. A query that
// does not parse gets 400 with Jena's message. Prints "ready" on stdout once listening.
// Only Jena ARQ and the JDK; see tests/engines/jena.py for the classpath.

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.jena.graph.Node;
import org.apache.jena.query.Dataset;
import org.apache.jena.query.DatasetFactory;
import org.apache.jena.query.Query;
import org.apache.jena.query.QueryCancelledException;
import org.apache.jena.query.QueryExecution;
import org.apache.jena.query.QueryFactory;
import org.apache.jena.query.QueryParseException;
import org.apache.jena.query.ResultSetFormatter;
import org.apache.jena.query.Syntax;
import org.apache.jena.rdf.model.Model;
import org.apache.jena.riot.Lang;
import org.apache.jena.riot.RDFDataMgr;
import org.apache.jena.riot.RDFParser;
import org.apache.jena.riot.system.StreamRDFBase;
import org.apache.jena.sparql.core.DatasetGraph;
import org.apache.jena.sparql.core.DatasetGraphFactory;
import org.apache.jena.sparql.core.Quad;

public class JenaEndpoint {
    static final String[] GRAPHS = {
        "https://w3id.org/migkg/graph/ontology/",
        "https://w3id.org/migkg/graph/instances/",
        "https://w3id.org/migkg/graph/extracted/",
    };

    static long timeout = 60; // seconds, ARQ's overall query timeout

    static DatasetGraph load(String path) {
        DatasetGraph dsg = DatasetGraphFactory.createGeneral();
        RDFParser.source(path).lang(Lang.NQUADS).parse(new StreamRDFBase() {
            @Override
            public void quad(Quad quad) {
                Node g = quad.getGraph();
                if (g.isURI() && Arrays.stream(GRAPHS).anyMatch(g.getURI()::startsWith)) {
                    dsg.add(quad);
                    dsg.getDefaultGraph().add(quad.asTriple()); // a graph is a set: no duplicates
                }
            }
        });
        return dsg;
    }

    static String param(String form, String name) {
        if (form == null) return null;
        for (String pair : form.split("&")) {
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            if (key.equals(name)) {
                return eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        ex.getResponseBody().write(body);
    }

    static void sendText(HttpExchange ex, int status, String text) throws IOException {
        send(ex, status, "text/plain; charset=utf-8", (text + "\n").getBytes(StandardCharsets.UTF_8));
    }

    static void handle(HttpExchange ex, Dataset ds) throws IOException {
        String queryString;
        String method = ex.getRequestMethod();
        String type = String.valueOf(ex.getRequestHeaders().getFirst("Content-Type"));
        if (method.equals("GET")) {
            queryString = param(ex.getRequestURI().getRawQuery(), "query");
        } else if (method.equals("POST") && type.startsWith("application/sparql-query")) {
            queryString = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        } else if (method.equals("POST") && type.startsWith("application/x-www-form-urlencoded")) {
            String form = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            queryString = param(form, "query");
        } else if (method.equals("POST")) {
            sendText(ex, 415, "unsupported Content-Type: " + type);
            return;
        } else {
            ex.getResponseHeaders().set("Allow", "GET, POST");
            sendText(ex, 405, "method not allowed: " + method);
            return;
        }
        Query query;
        try {
            if (queryString == null) throw new QueryParseException("missing parameter: query", -1, -1);
            query = QueryFactory.create(queryString, Syntax.syntaxSPARQL_11);
        } catch (QueryParseException e) {
            sendText(ex, 400, e.getMessage());
            return;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (QueryExecution qe = QueryExecution.create().query(query).dataset(ds)
                .timeout(timeout, TimeUnit.SECONDS).build()) {
            if (query.isSelectType()) {
                ResultSetFormatter.outputAsJSON(out, qe.execSelect());
                type = "application/sparql-results+json";
            } else if (query.isAskType()) {
                ResultSetFormatter.outputAsJSON(out, qe.execAsk());
                type = "application/sparql-results+json";
            } else {
                // a graph, not execConstructTriples(): that iterator repeats duplicate triples
                Model graph = query.isConstructType() ? qe.execConstruct() : qe.execDescribe();
                RDFDataMgr.write(out, graph, Lang.NTRIPLES);
                type = "application/n-triples";
            }
        } catch (QueryCancelledException e) {
            sendText(ex, 503, "query timed out after " + timeout + " s");
            return;
        } catch (RuntimeException e) {
            sendText(ex, 500, e.toString());
            return;
        }
        send(ex, 200, type + "; charset=utf-8", out.toByteArray());
    }

    public static void main(String[] args) throws IOException {
        String data = null;
        int port = 0;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--data": data = args[i + 1]; break;
                case "--port": port = Integer.parseInt(args[i + 1]); break;
                case "--timeout": timeout = Long.parseLong(args[i + 1]); break;
                default: throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (data == null || port == 0) {
            System.err.println("usage: JenaEndpoint --data FILE.nq --port N [--timeout SECONDS]");
            System.exit(2);
        }
        Dataset ds = DatasetFactory.wrap(load(data));
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.createContext("/query", ex -> {
            try (ex) {
                handle(ex, ds);
            }
        });
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
        System.out.println("ready");
        System.out.flush();
    }
}
