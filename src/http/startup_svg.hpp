#pragma once
// The startup timeline as a Gantt chart in SVG, as `systemd-analyze plot` draws one: a row per
// component in declaration order, a bar from its start to the moment it came up (or failed, or the end
// of the chart while it is still starting), coloured by criticality, the critical path outlined and
// labelled in bold, a time axis with gridlines, and markers where the service became ready and running.
// Self-contained (no scripts, no external fonts or stylesheets), so a browser shows it as it is.
#include <string>
#include <string_view>

#include "lifespan/core/timeline.hpp"

namespace lifespan::http::detail {

std::string startup_svg(const timeline& t, std::string_view service_name);

}  // namespace lifespan::http::detail
