#include "logging.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include "lifespan/core/file_errors.hpp"


namespace lifespan::detail {
namespace {

// The log file: appended with write(2) (no stdio buffer to hold a half-written line after an error),
// reopened on SIGUSR1. A failed write (the file-size limit: EFBIG now that SIGXFSZ is ignored; a full
// disk) is reported on standard error once per change of cause, naming the file and the fix, and
// every later line tries again, so logging resumes by itself once the file is rotated (and reopened)
// or the limit raised; the recovery is reported too.
class reopenable_file_sink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit reopenable_file_sink(std::string path) : path_(std::move(path)) {
    std::error_code ignored;  // as spdlog's file sink: create the directory; open() names any failure
    if (const auto dir = std::filesystem::path(path_).parent_path(); !dir.empty())
      std::filesystem::create_directories(dir, ignored);
    fd_ = open_file();
    if (fd_ < 0) throw std::runtime_error(std::strerror(errno));
  }
  ~reopenable_file_sink() override {
    if (fd_ >= 0) ::close(fd_);
  }
  void reopen() {
    std::lock_guard lock(mutex_);
    const int fd = open_file();
    if (fd < 0) return note_failure(errno);  // keep writing to the old file
    ::close(fd_);
    fd_ = fd;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    const char* data = formatted.data();
    std::size_t left = formatted.size();
    while (left > 0) {
      const ssize_t wrote = ::write(fd_, data, left);
      if (wrote < 0 && errno == EINTR) continue;
      if (wrote <= 0) return note_failure(wrote < 0 ? errno : EIO);
      data += wrote;
      left -= static_cast<std::size_t>(wrote);
    }
    if (failing_ != 0) {
      failing_ = 0;
      report(fmt::format("logging.file: writing to {} again", path_));
    }
  }
  void flush_() override {}  // write(2) leaves nothing buffered

 private:
  int open_file() const { return ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644); }
  void note_failure(int error) {
    if (failing_ == error) return;  // said already; the next line tries again
    failing_ = error;
    report("logging.file: " + describe_write_error(path_, error) + "; log lines are lost until then");
  }
  static void report(const std::string& text) {
    const std::string line = text + "\n";
    (void)!::write(STDERR_FILENO, line.data(), line.size());
  }

  std::string path_;
  int fd_ = -1;
  int failing_ = 0;  // errno of the failure last reported; 0 while writing works
};

// In JSON mode a line is {"time":..,"level":..,"service":.., <message>}. The message of a lifecycle
// event (log_events) is already JSON fields and starts with this marker; any other message (a
// component's or a library's text) becomes "message":"<escaped text>", so every line stays one object.
constexpr char json_fields_marker = '\x1e';

class json_message_flag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    const std::string_view text(msg.payload.data(), msg.payload.size());
    if (!text.empty() && text.front() == json_fields_marker) {
      dest.append(text.data() + 1, text.data() + text.size());
      return;
    }
    const std::string quoted =
        "\"message\":" + nlohmann::json(std::string(text)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    dest.append(quoted.data(), quoted.data() + quoted.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<json_message_flag>(); }
};

// For people: 85us, 203.4ms, 12.50s.
std::string ms(duration d) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
  if (us < 1000) return fmt::format("{}us", us);
  if (us < 10'000'000) return fmt::format("{:.1f}ms", static_cast<double>(us) / 1e3);
  return fmt::format("{:.2f}s", static_cast<double>(us) / 1e6);
}

spdlog::level::level_enum level_of(const lifecycle_event& e) {
  switch (e.kind) {
    case event_kind::component_failed:
      return spdlog::level::err;
    case event_kind::component_degraded:
    case event_kind::warning:
      return spdlog::level::warn;
    case event_kind::component_stopped:
      return e.detail.empty() ? spdlog::level::info : spdlog::level::err;
    case event_kind::reload_finished:
      return e.detail.empty() ? spdlog::level::info : spdlog::level::err;
    case event_kind::service_state_changed:
      return e.state == service_state::error ? spdlog::level::err : spdlog::level::info;
    default:
      return spdlog::level::info;
  }
}

// Exactly what a reload did (reload.cpp): which components applied it, and what was not applied.
std::string describe_reload(const lifecycle_event& e) {
  if (e.applied.empty())
    return e.detail.empty() ? std::string("configuration reloaded; no component applies reloads")
                            : fmt::format("reload rejected, keeping the old configuration: {}", e.detail);
  const auto applied = fmt::format("{}", fmt::join(e.applied, ", "));
  if (e.detail.empty()) return fmt::format("configuration reloaded, applied by {}", applied);
  return fmt::format("configuration partly reloaded: applied by {}; not applied: {}", applied, e.detail);
}

std::string describe(const lifecycle_event& e) {
  switch (e.kind) {
    case event_kind::service_state_changed: return fmt::format("service {}", to_string(e.state));
    case event_kind::component_starting:
      return e.attempt > 1 ? fmt::format("starting (attempt {})", e.attempt) : std::string("starting");
    case event_kind::component_up: return fmt::format("up in {}", ms(e.took));
    case event_kind::component_failed: return fmt::format("failed after {}: {}", ms(e.took), e.detail);
    case event_kind::component_degraded: return fmt::format("degraded: {}", e.detail);
    case event_kind::component_recovered: return fmt::format("recovered: {}", e.detail);
    case event_kind::component_stopping: return "stopping";
    case event_kind::component_stopped:
      return e.detail.empty() ? fmt::format("stopped in {}", ms(e.took)) : fmt::format("stopped with error after {}: {}", ms(e.took), e.detail);
    case event_kind::startup_progress: return fmt::format("starting: {}", e.detail);
    case event_kind::shutdown_phase: return fmt::format("shutdown phase {} took {}", e.detail, ms(e.took));
    case event_kind::reload_finished: return describe_reload(e);
    case event_kind::warning: return e.detail;
    case event_kind::reload_started: return "reloading the configuration";
  }
  return e.detail;
}

}  // namespace

std::shared_ptr<spdlog::logger> make_logger(const std::string& service, const log_setup& setup) {
  spdlog::sink_ptr sink;
  if (setup.file.empty()) {
    sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  } else {
    try {
      sink = std::make_shared<reopenable_file_sink>(setup.file);
    } catch (const std::exception& e) {
      throw std::runtime_error(fmt::format("logging.file: cannot open '{}' for writing: {}", setup.file, e.what()));
    }
  }
  auto logger = std::make_shared<spdlog::logger>(service, sink);
  if (setup.format == "json") {
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<json_message_flag>('*').set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%f%z","level":"%l","service":"%n",%*})");
    logger->set_formatter(std::move(formatter));
  } else {
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ [%n] %v");
  }
  logger->set_level(spdlog::level::from_str(setup.level));
  logger->flush_on(spdlog::level::info);
  return logger;
}

void reopen_log_files(spdlog::logger& logger) {
  for (auto& sink : logger.sinks())
    if (auto file = std::dynamic_pointer_cast<reopenable_file_sink>(sink)) file->reopen();
}

event_listener log_events(std::shared_ptr<spdlog::logger> logger, bool json) {
  return [logger = std::move(logger), json](const lifecycle_event& e) {
    const auto level = level_of(e);
    if (!logger->should_log(level)) return;
    if (json) {
      nlohmann::json j{{"event", to_string(e.kind)}, {"message", describe(e)}};
      if (!e.component.empty()) j["component"] = e.component;
      if (e.took.count() != 0) j["took_ms"] = std::chrono::duration<double, std::milli>(e.took).count();
      if (e.attempt != 0) j["attempt"] = e.attempt;
      if (!e.applied.empty()) j["applied"] = e.applied;
      const std::string body = j.dump();
      logger->log(level, "{}{}", json_fields_marker, std::string_view(body).substr(1, body.size() - 2));
    } else if (e.component.empty()) {
      logger->log(level, "{}", describe(e));
    } else {
      logger->log(level, "{}: {}", e.component, describe(e));
    }
  };
}

}  // namespace lifespan::detail
