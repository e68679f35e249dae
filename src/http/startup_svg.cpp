#include "startup_svg.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include <fmt/format.h>

namespace lifespan::http::detail {
namespace {

constexpr double label_width = 220, chart_width = 760, row_height = 22, bar_height = 14, top = 70, margin = 12;

double ms(duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

std::string escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string_view colour(criticality c) {
  switch (c) {
    case criticality::critical: return "#d9534f";
    case criticality::ready: return "#f0ad4e";
    case criticality::background: return "#5bc0de";
    case criticality::lazy: return "#9e9e9e";
  }
  return "#9e9e9e";
}

std::string human_ms(double v) {
  if (v == 0) return "0";
  if (v >= 1000) return fmt::format("{:.2f} s", v / 1000);
  if (v >= 10) return fmt::format("{:.0f} ms", v);
  return fmt::format("{:.1f} ms", v);
}

// A tick step of 1, 2 or 5 times a power of ten giving at most about ten ticks.
double tick_step(double span) {
  const double raw = span / 10;
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0})
    if (raw <= m * power) return m * power;
  return 10 * power;
}

}  // namespace

std::string startup_svg(const timeline& t, std::string_view service_name) {
  double end = 1;  // ms; at least one, so that an instant startup still has a scale
  for (const auto& e : t.entries)
    for (const auto& at : {e.ready_at, e.started_at, e.up_at, e.failed_at})
      if (at) end = std::max(end, ms(*at));
  if (t.running_after) end = std::max(end, ms(*t.running_after));
  const double step = tick_step(end);
  end = std::ceil(end / step) * step;
  const auto x = [&](double at) { return label_width + chart_width * at / end; };
  const double height = top + row_height * static_cast<double>(t.entries.size()) + 40;
  const double width = label_width + chart_width + 2 * margin;

  std::string out = fmt::format(
      R"(<svg xmlns="http://www.w3.org/2000/svg" width="{0:.0f}" height="{1:.0f}" viewBox="0 0 {0:.0f} {1:.0f}" font-family="sans-serif" font-size="12">)"
      "\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
      width, height);
  out += fmt::format("<text x=\"{}\" y=\"20\" font-size=\"15\" font-weight=\"bold\">{} startup", margin, escape(service_name));
  if (t.ready_after) out += fmt::format(": ready after {}", human_ms(ms(*t.ready_after)));
  out += fmt::format(", critical path {} ({})</text>\n", human_ms(ms(t.critical_path_length)),
                     escape(fmt::format("{}", fmt::join(t.critical_path, " → "))));
  // Legend.
  double lx = margin;
  for (auto c : {criticality::critical, criticality::ready, criticality::background, criticality::lazy}) {
    out += fmt::format("<rect x=\"{:.0f}\" y=\"30\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{:.0f}\" y=\"40\">{}</text>\n", lx,
                       colour(c), lx + 16, to_string(c));
    lx += 100;
  }
  out += fmt::format(
      "<rect x=\"{:.0f}\" y=\"30\" width=\"12\" height=\"12\" fill=\"none\" stroke=\"black\" stroke-width=\"2.5\"/>"
      "<text x=\"{:.0f}\" y=\"40\">critical path</text>\n",
      lx, lx + 16);
  lx += 110;
  out += fmt::format("<rect x=\"{:.0f}\" y=\"30\" width=\"12\" height=\"12\" fill=\"#333\"/><text x=\"{:.0f}\" y=\"40\">failed</text>\n", lx,
                     lx + 16);

  // Time axis with gridlines.
  const double axis_bottom = top + row_height * static_cast<double>(t.entries.size());
  for (double at = 0; at <= end + step / 2; at += step) {
    out += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1:.0f}\" x2=\"{0:.1f}\" y2=\"{2:.0f}\" stroke=\"#ddd\"/>"
                       "<text x=\"{0:.1f}\" y=\"{3:.0f}\" text-anchor=\"middle\" fill=\"#555\">{4}</text>\n",
                       x(at), top - 8, axis_bottom, axis_bottom + 16, human_ms(at));
  }
  const auto marker = [&](const std::optional<duration>& at, std::string_view name, std::string_view stroke) {
    if (!at) return;
    out += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1:.0f}\" x2=\"{0:.1f}\" y2=\"{2:.0f}\" stroke=\"{3}\" stroke-dasharray=\"4 3\"/>"
                       "<text x=\"{0:.1f}\" y=\"{4:.0f}\" fill=\"{3}\" text-anchor=\"middle\">{5}</text>\n",
                       x(ms(*at)), top - 8, axis_bottom, stroke, top - 12, name);
  };
  marker(t.ready_after, "ready", "#2e7d32");
  marker(t.running_after, "running", "#1565c0");

  // One row per component.
  double y = top;
  for (const auto& e : t.entries) {
    const double mid = y + row_height / 2;
    out += fmt::format("<text x=\"{}\" y=\"{:.1f}\" dominant-baseline=\"middle\"{}>{}</text>\n", margin, mid,
                       e.on_critical_path ? " font-weight=\"bold\"" : "", escape(e.name));
    if (e.ready_at && e.started_at && *e.started_at > *e.ready_at)  // startable but waiting (a full pool)
      out += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#bbb\" stroke-dasharray=\"2 2\"/>\n",
                         x(ms(*e.ready_at)), mid, x(ms(*e.started_at)), mid);
    if (e.started_at) {
      const double from = ms(*e.started_at);
      const bool failed = e.failed_at && (!e.up_at || *e.failed_at > *e.up_at);
      const double to = e.up_at && !failed ? ms(*e.up_at) : failed ? ms(*e.failed_at) : end;
      const bool open_ended = !e.up_at && !failed;
      const double w = std::max(1.5, x(to) - x(from));
      std::string stroke = e.on_critical_path ? " stroke=\"black\" stroke-width=\"2.5\"" : "";
      if (open_ended) stroke += " stroke-dasharray=\"4 2\" fill-opacity=\"0.5\"";
      out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{}\" rx=\"2\" fill=\"{}\"{}><title>{}</title></rect>\n",
                         x(from), mid - bar_height / 2, w, bar_height, failed ? "#333" : colour(e.criticality), stroke,
                         escape(fmt::format("{} ({}): {} {}{}", e.name, to_string(e.criticality),
                                            open_ended ? "starting for" : failed ? "failed after" : "up after", human_ms(to - from),
                                            e.error.empty() ? "" : " — " + e.error)));
      std::string note = open_ended ? "starting…" : human_ms(to - from);
      if (failed) note += " failed";
      if (e.attempts > 1) note += fmt::format(" ({} attempts)", e.attempts);
      out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" dominant-baseline=\"middle\" fill=\"#333\">{}</text>\n", x(from) + w + 4,
                         mid, escape(note));
    } else {
      out += fmt::format("<text x=\"{}\" y=\"{:.1f}\" dominant-baseline=\"middle\" fill=\"#999\">{}</text>\n", label_width, mid,
                         e.criticality == criticality::lazy ? "lazy: not started" : "not started");
    }
    y += row_height;
  }
  out += "</svg>\n";
  return out;
}

}  // namespace lifespan::http::detail
