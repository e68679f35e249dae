#pragma once
// Lifecycle events as log lines. Every line names its component; JSON mode writes one object a line.
// The file sink reopens on SIGUSR1 (after logrotate moved the file away).
#include <memory>
#include <string>

#include <spdlog/logger.h>

#include "lifespan/core/events.hpp"

namespace lifespan::detail {

struct log_setup {
  std::string format = "text";  // text | json
  std::string level = "info";
  std::string file;             // empty: standard error
};

// Builds the service's logger. Errors (an unwritable file) throw std::runtime_error naming the path.
std::shared_ptr<spdlog::logger> make_logger(const std::string& service, const log_setup& setup);
// Reopens every file the logger writes to.
void reopen_log_files(spdlog::logger& logger);

event_listener log_events(std::shared_ptr<spdlog::logger> logger, bool json);

}  // namespace lifespan::detail
