// Fuzz target: vigil's access-log line parser (apps/vigil/src/parse), as the tailer and `vigil scan`
// feed it: nginx `combined`, a custom log_format, JSON lines, and a log_format string itself.
//
// The first byte picks the mode; the rest is the log, split into lines as the tailer splits it. In
// mode 3 its first line is the log_format to compile (std::invalid_argument is its documented answer
// to a bad one) and the other lines are parsed with it. Checked (line_parser.hpp): nothing throws for
// any line, every line is either parsed or counted malformed, and the sampled lines are bounded.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

#include "parse/line_parser.hpp"

namespace {

// A format with every variable the extractor knows, in nginx's usual separators.
constexpr std::string_view custom_format =
    R"($remote_addr - $remote_user [$time_local] "$request_method $request_uri $server_protocol" $status )"
    R"($bytes_sent $body_bytes_sent "$http_referer" "$http_user_agent" $request_time $host )"
    R"("$http_x_forwarded_for" $realip_remote_addr $http_x_real_ip $msec $time_iso8601 $upstream_addr)";

void parse_lines(vigil::line_parser& parser, std::string_view log) {
  std::uint64_t lines = 0;
  while (!log.empty()) {
    const auto end = log.find('\n');
    vigil::log_record record;
    if (parser.parse(log.substr(0, end), record)) (void)record.remote_addr.size();
    ++lines;
    if (end == std::string_view::npos) break;
    log.remove_prefix(end + 1);
  }
  if (parser.parsed() + parser.malformed().count() != lines) std::abort();
  // Samples are bounded and printable (malformed_log.hpp): safe to log or put in JSON.
  for (const auto& sample : parser.malformed().samples()) {
    if (sample.text.size() > 4 * vigil::malformed_log::max_sample_bytes + 3) std::abort();  // \xHH each, "..."
    for (const char c : sample.text)
      if (c < 0x20 || c > 0x7e) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view log(reinterpret_cast<const char*>(data) + 1, size - 1);
  vigil::parser_options options;
  options.max_line = 4096;  // small enough that the fuzzer reaches the limit
  switch (data[0] % 4) {
    case 0: options.format = "combined"; break;
    case 1: options.format = "json"; break;
    case 2: options.format = std::string(custom_format); break;
    default: {
      const auto end = log.find('\n');
      options.format = std::string(log.substr(0, end));
      log = end == std::string_view::npos ? std::string_view{} : log.substr(end + 1);
      break;
    }
  }
  try {
    vigil::line_parser parser(options);
    parse_lines(parser, log);
  } catch (const std::invalid_argument&) {
    if (data[0] % 4 != 3) std::abort();  // only a fuzzed format string may fail to compile
  }
  return 0;
}
