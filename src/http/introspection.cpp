// The introspection endpoints: /metrics (the service's registry in the Prometheus text format),
// /debug/startup (the timeline as JSON), /debug/startup.svg (the same as a Gantt chart) and
// /debug/graph (the component graph as DOT or JSON). Like the probes, they read the service's own
// records and never call into a component.
#include <fmt/format.h>

#include "json_body.hpp"
#include "lifespan/metrics/registry.hpp"
#include "probes.hpp"
#include "startup_svg.hpp"

namespace lifespan::http::detail {

http::response metrics_text(server_state& s) {
  return response::text(metrics::of(s.svc).text(), status::ok, metrics::text_content_type);
}

http::response debug_startup(server_state& s) {
  auto body = s.svc.startup_timeline().to_json();
  body["service"] = s.svc.name();
  body["state"] = to_string(s.svc.state());
  return response::json(body);
}

http::response debug_startup_svg(server_state& s) {
  return response::text(startup_svg(s.svc.startup_timeline(), s.svc.name()), status::ok, "image/svg+xml");
}

http::response debug_graph(server_state& s, const boost::urls::url_view& url) {
  std::string format = "json";
  if (auto it = url.params().find("format"); it != url.params().end()) format = (*it).value;
  if (format == "dot") return response::text(s.svc.graph_dot(), status::ok, "text/vnd.graphviz; charset=utf-8");
  if (format == "json") return response::json(s.svc.graph_json());
  return response::error(status::bad_request, "bad format",
                         fmt::format("format '{}' is not known: use format=dot (Graphviz) or format=json", format));
}

}  // namespace lifespan::http::detail
