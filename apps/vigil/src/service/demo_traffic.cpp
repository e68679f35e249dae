#include "service/demo_traffic.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <random>
#include <stdexcept>

#include <fmt/format.h>

#include "gen/traffic_gen.hpp"

namespace vigil::service {

demo_traffic::options demo_traffic::read_options(lifespan::config::section& section) {
  options o;
  o.enabled = section.get<bool>("enabled", o.enabled);
  o.path = section.get<std::string>("path", o.path.string());
  o.rate = section.get<double>("rate", o.rate);
  if (o.rate <= 0 || o.rate > 100000) section.report("rate", "must be between 0 and 100000 lines per second", "for example 20");
  o.attack_share = section.get<double>("attack_share", o.attack_share);
  if (o.attack_share < 0 || o.attack_share > 1) section.report("attack_share", "must be between 0 and 1", "for example 0.08");
  o.seed = static_cast<std::uint64_t>(section.get<std::int64_t>("seed", 0));
  return o;
}

void demo_traffic::start(lifespan::context&) {
  if (!options_.enabled) return;
  std::error_code ec;
  if (options_.path.has_parent_path()) std::filesystem::create_directories(options_.path.parent_path(), ec);
  const int fd = ::open(options_.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0)
    throw std::runtime_error(fmt::format("cannot open the demo log '{}' for appending: {}", options_.path.string(),
                                         std::strerror(errno)));
  writer_ = std::jthread([this, fd](std::stop_token stop) { run(stop, fd); });
}

void demo_traffic::stop(lifespan::time_point) {
  if (writer_.joinable()) {
    writer_.request_stop();
    writer_.join();
  }
}

void demo_traffic::run(std::stop_token stop, int fd) {
  gen_options g;
  g.seed = options_.seed ? options_.seed : std::random_device{}();
  g.lines = ~std::uint64_t{0} >> 1;
  g.rate = options_.rate;
  g.attack_share = options_.attack_share;
  const auto wall_start = std::chrono::system_clock::now();
  g.start_epoch = std::chrono::duration_cast<std::chrono::seconds>(wall_start.time_since_epoch()).count();
  traffic_generator generator(g);
  const auto origin = std::chrono::steady_clock::now();
  std::mutex m;
  std::condition_variable_any cv;
  gen_line line;
  std::uint64_t written = 0;
  while (!stop.stop_requested() && generator.next(line)) {
    // Real time follows the generator's clock at `rate` lines per second on average.
    const auto due = origin + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                  std::chrono::duration<double>(static_cast<double>(written) / options_.rate));
    {
      std::unique_lock lock(m);
      if (cv.wait_until(lock, stop, due, [] { return false; })) break;
    }
    if (stop.stop_requested()) break;
    line.text.push_back('\n');
    if (::write(fd, line.text.data(), line.text.size()) < 0) break;  // disk full: the demo just stops
    ++written;
  }
  ::close(fd);
}

}  // namespace vigil::service
