#include "service/pipeline_windows.hpp"

#include <string_view>

#include "service/pipeline_alert.hpp"

namespace vigil::service {

behaviour_stage::behaviour_stage(const pipeline::options& options)
    : tracker_(options.windows), parser_(options.parser), trusted_(options.trusted_proxies) {}

analyzed_batch behaviour_stage::apply(detected_batch in) {
  analyzed_batch out;
  out.mark = std::move(in.mark);
  out.lines = in.lines;
  out.read_at = in.read_at;
  out.candidates = std::move(in.candidates);
  if (in.facts.empty()) {  // behaviour off, or no parsed line: the rule alerts are already in order
    out.alerts = std::move(in.alerts);
    return out;
  }
  // Where each rule alert lands among all the batch's alerts, for the candidates that refer to it.
  std::vector<std::int64_t> moved_to(in.alerts.size(), -1);
  out.alerts.reserve(in.alerts.size());
  for (const auto& f : in.facts) {
    if (f.rule_alert >= 0) {
      const auto index = static_cast<std::size_t>(f.rule_alert);
      moved_to[index] = static_cast<std::int64_t>(out.alerts.size());
      out.alerts.push_back(std::move(in.alerts[index]));
    }
    fired_.clear();
    const std::string_view client(in.arena.data() + f.client_begin, f.client_size);
    const std::string_view path(in.arena.data() + f.path_begin, f.path_size);
    tracker_.observe(client, f.epoch, f.status, path, fired_);
    if (!fired_.empty()) add_fired(out, in, f);
  }
  for (auto& c : out.candidates)
    if (c.alert_index >= 0) c.alert_index = moved_to[static_cast<std::size_t>(c.alert_index)];
  return out;
}

void behaviour_stage::add_fired(analyzed_batch& out, const detected_batch& in, const line_fact& f) {
  const std::string_view line(in.text.data() + f.line_begin, f.line_size);
  std::string_view proxy;
  if (parser_.parse(line, record_)) {  // it parsed on the worker: same line, same options
    const auto who = resolve_client(record_, trusted_);
    record_.remote_addr = who.client;
    proxy = who.proxy;
  } else {  // never expected; the alert still names the client, time, status and path
    record_ = log_record{};
    record_.remote_addr = std::string_view(in.arena.data() + f.client_begin, f.client_size);
    record_.target = std::string_view(in.arena.data() + f.path_begin, f.path_size);
    record_.epoch = f.epoch;
    record_.status = f.status;
  }
  for (const auto& b : fired_) {
    alert a = line_alert(std::string(behaviour_name(b.kind)), record_, proxy, *out.mark.file, f.offset, in.mode);
    a.client = utf8_text(b.client);
    a.level = severity::medium;
    a.categories = {a.kind};
    out.alerts.push_back(std::move(a));
  }
}

}  // namespace vigil::service
