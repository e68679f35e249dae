// Builds a rule_set from SecLang directives: the variables, operator and actions of each SecRule,
// chains, markers, SecDefaultAction, and the exclusion directives CRS documents.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <strings.h>

#include "crs/rule_set.hpp"
#include "crs/variables.hpp"

namespace vigil::crs {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw seclang_error(path + ": cannot read (" + std::strerror(errno) + ")");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int severity_number(std::string v) {
  static const char* names[] = {"EMERGENCY", "ALERT", "CRITICAL", "ERROR", "WARNING", "NOTICE", "INFO", "DEBUG"};
  for (char& c : v) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (int i = 0; i < 8; ++i)
    if (v == names[i]) return i;
  return std::atoi(v.c_str());
}

// "942100", "942100-942199", "942100 942110"
void parse_id_ranges(const std::string& text, std::vector<std::pair<int, int>>& out) {
  std::stringstream ss(text);
  for (std::string item; ss >> item;) {
    auto dash = item.find('-');
    int a = std::atoi(item.c_str());
    int b = dash == std::string::npos ? a : std::atoi(item.c_str() + dash + 1);
    out.emplace_back(a, b);
  }
}

}  // namespace

class rule_loader {
 public:
  rule_loader(rule_set& set, std::string dir) : set_(set), dir_(std::move(dir)) {}

  void add(const std::vector<directive>& directives) {
    for (const auto& d : directives) {
      try {
        apply(d);
      } catch (const seclang_error&) {
        throw;
      } catch (const std::exception& e) {
        throw seclang_error(d.file + ":" + std::to_string(d.line) + ": " + d.name + ": " + e.what());
      }
    }
  }

  void finish() {
    if (chain_tail_) throw seclang_error(chain_tail_->file + ":" + std::to_string(chain_tail_->line) +
                                         ": the last rule says chain but no rule follows");
    for (auto& r : set_.owned_) {
      if (!r->is_marker() && removed(*r)) continue;
      for (rule* link = r.get(); link; link = link->chained.get()) apply_updates(*link, r->id);
      if (!r->is_marker() && r->phase != 1 && r->phase != 2) {
        ++set_.skipped_[std::filesystem::path(r->file).filename()]["response phase " + std::to_string(r->phase)];
        continue;
      }
      if (!r->skipped_reason.empty()) ++set_.skipped_[std::filesystem::path(r->file).filename()][r->skipped_reason];
      if (r->is_marker()) {
        set_.phases_[0].push_back(r.get());  // as ModSecurity: a marker stands in every phase
        set_.phases_[1].push_back(r.get());
      } else {
        r->index = static_cast<std::uint32_t>(set_.evaluable_++);
        set_.phases_[r->phase == 1 ? 0 : 1].push_back(r.get());
      }
      for (rule* link = r.get(); link; link = link->chained.get())
        if (link->op) grow_scratch(*link->op, set_.scratch_);
    }
  }

 private:
  void apply(const directive& d) {
    const std::string& n = d.name;
    if (n == "SecRule") {
      if (d.args.size() < 2) throw seclang_error(where(d) + ": SecRule needs variables and an operator");
      add_rule(d, d.args[0], &d.args[1], d.args.size() > 2 ? d.args[2] : std::string());
    } else if (n == "SecAction") {
      add_rule(d, "", nullptr, d.args.empty() ? std::string() : d.args[0]);
    } else if (n == "SecMarker") {
      auto r = std::make_unique<rule>();
      r->marker = d.args.empty() ? std::string("-") : d.args[0];
      r->file = d.file;
      r->line = d.line;
      set_.owned_.push_back(std::move(r));
    } else if (n == "SecDefaultAction") {
      auto actions = split_actions(d.args.empty() ? "" : d.args[0]);
      int phase = 2;
      for (const auto& a : actions)
        if (a.name == "phase") phase = phase_number(a.value);
      defaults_[phase] = actions;
    } else if (n == "SecRuleRemoveById") {
      for (const auto& a : d.args) parse_id_ranges(a, removed_ids_);
    } else if (n == "SecRuleRemoveByTag") {
      for (const auto& a : d.args) removed_tags_.insert(a);
    } else if (n == "SecRuleUpdateTargetById" || n == "SecRuleUpdateTargetByTag") {
      if (d.args.size() < 2) throw seclang_error(where(d) + ": " + n + " needs a rule and targets");
      update u{n == "SecRuleUpdateTargetById", {}, d.args[0], split_variables(d.args[1])};
      if (u.by_id) parse_id_ranges(d.args[0], u.ids);
      updates_.push_back(std::move(u));
    }
    // Everything else (SecRuleEngine, SecCollectionTimeout, SecComponentSignature, audit logging...)
    // configures what a log scanner does not do.
  }

  static int phase_number(const std::string& v) {
    if (v == "request") return 2;
    if (v == "response") return 4;
    if (v == "logging") return 5;
    return std::atoi(v.c_str());
  }

  static std::string where(const directive& d) { return d.file + ":" + std::to_string(d.line); }

  void add_rule(const directive& d, const std::string& variables, const std::string* op_text,
                const std::string& actions_text) {
    auto r = std::make_unique<rule>();
    r->file = d.file;
    r->line = d.line;
    rule* parent = chain_tail_;
    r->phase = parent ? parent->phase : 2;
    auto actions = split_actions(actions_text);
    for (const auto& a : actions)
      if (a.name == "phase") r->phase = phase_number(a.value);
    // SecDefaultAction's actions come first; a rule's own override them (t:none drops its transformations).
    if (!parent)
      if (auto it = defaults_.find(r->phase); it != defaults_.end()) apply_actions(*r, it->second, d);
    apply_actions(*r, actions, d);
    if (!op_text) {
      r->op = make_operator("unconditionalmatch", "", dir_, r->skipped_reason);
    } else {
      for (const auto& v : split_variables(variables)) (v.exclude ? r->exclusions : r->targets).push_back(make_target(v));
      auto o = split_operator(*op_text);
      r->negated = o.negated;
      try {
        r->op = make_operator(o.name, o.argument, dir_, r->skipped_reason, set_.options_.cache_dir);
      } catch (const std::exception& e) {
        throw seclang_error(where(d) + ": rule " + std::to_string(parent ? parent_id_ : r->id) + ": @" + o.name +
                            ": " + e.what());
      }
      if (r->skipped_reason.empty() && !r->targets.empty() &&
          std::all_of(r->targets.begin(), r->targets.end(), [](const target& t) { return !t.count && t.var == variable::absent; })) {
        std::string names;
        for (const auto& t : r->targets) names += (names.empty() ? "" : "|") + t.collection;
        r->skipped_reason = "reads only " + names;
      }
      if (r->skipped_reason.empty()) {
        r->skipped_reason = unlogged_header(*r);
        if (!r->skipped_reason.empty()) set_.unlogged_header_rules_.push_back(parent ? parent_id_ : r->id);
      }
    }
    bool continues = r->chained != nullptr;  // apply_actions marks `chain` with a placeholder
    r->chained.reset();
    rule* raw = r.get();
    if (parent) {
      if (!r->skipped_reason.empty()) {
        // A chain is as evaluable as its weakest link.
        rule* top = set_.owned_.back().get();
        if (top->skipped_reason.empty()) top->skipped_reason = r->skipped_reason;
      }
      parent->chained = std::move(r);
    } else {
      if (r->id == 0) throw seclang_error(where(d) + ": a rule without id");
      parent_id_ = r->id;
      set_.owned_.push_back(std::move(r));
    }
    chain_tail_ = continues ? raw : nullptr;
  }

  // A rule about a header the log format does not record (Accept, Content-Length, Host without
  // $host...) would judge its absence on every line: it is skipped, as SecRuleRemoveById would.
  std::string unlogged_header(const rule& r) const {
    const auto& logged = set_.options_.logged_headers;
    if (logged.empty()) return {};
    for (const auto& t : r.targets) {
      if (t.var != variable::request_headers || t.key.empty() || t.key_regex) continue;
      bool found = std::any_of(logged.begin(), logged.end(), [&](const std::string& h) {
        return h.size() == t.key.size() && strncasecmp(h.c_str(), t.key.c_str(), h.size()) == 0;
      });
      if (!found) return "reads header " + t.key + ", which the log format does not record";
    }
    return {};
  }

  void apply_actions(rule& r, const std::vector<action_text>& actions, const directive& d) {
    for (const auto& a : actions) {
      const std::string& n = a.name;
      if (n == "id") r.id = std::atoi(a.value.c_str());
      else if (n == "chain") r.chained = std::make_unique<rule>();  // placeholder, see add_rule
      else if (n == "t") {
        std::string name = a.value;
        if (name == "none" || name == "NONE") { r.transforms.clear(); continue; }
        auto t = transform_from_name(name);
        if (!t) throw seclang_error(where(d) + ": unknown transformation t:" + name);
        r.transforms.push_back(*t);
      } else if (n == "multimatch") r.multi_match = true;
      else if (n == "capture") r.capture = true;
      else if (n == "setvar") add_set_variable(r, a.value);
      else if (n == "ctl") add_control(r, a.value);
      else if (n == "skipafter") r.skip_after = a.value;
      else if (n == "skip") r.skip = std::atoi(a.value.c_str());
      else if (n == "msg") r.msg = macro_text::parse(a.value);
      else if (n == "logdata") r.logdata = macro_text::parse(a.value);
      else if (n == "tag") {
        r.tags.push_back(a.value);
        if (a.value.rfind("paranoia-level/", 0) == 0) r.paranoia_level = std::atoi(a.value.c_str() + 15);
      } else if (n == "severity") r.severity = severity_number(a.value);
      else if (n == "block") r.action = disruption::block;
      else if (n == "deny" || n == "drop") r.action = disruption::deny;
      else if (n == "pass") r.action = disruption::pass;
      else if (n == "allow")
        r.action = a.value == "phase" ? disruption::allow_phase
                   : a.value == "request" ? disruption::allow_request : disruption::allow_all;
      else if (n == "log") r.log = true;
      else if (n == "nolog") r.log = false;
      // rev, ver, maturity, accuracy, auditlog, status, initcol, expirevar, setenv...: metadata or
      // persistent state that a log scanner does not keep.
    }
  }

  static void add_set_variable(rule& r, std::string text) {
    set_variable s;
    if (!text.empty() && text.front() == '!') {
      s.op = set_variable::kind::remove;
      text.erase(0, 1);
    }
    std::string name = text, value = "1";
    if (auto eq = text.find('='); eq != std::string::npos) {
      name = text.substr(0, eq);
      value = text.substr(eq + 1);
      if (!value.empty() && (value.front() == '+' || value.front() == '-')) {
        s.op = value.front() == '+' ? set_variable::kind::add : set_variable::kind::subtract;
        value.erase(0, 1);
      }
    }
    auto dot = name.find('.');
    s.collection = name.substr(0, dot);
    for (char& c : s.collection) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string key = dot == std::string::npos ? std::string() : name.substr(dot + 1);
    if (key.find("%{") == std::string::npos)
      for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    s.name = macro_text::parse(key);
    s.value = macro_text::parse(value);
    r.set_variables.push_back(std::move(s));
  }

  static void add_control(rule& r, const std::string& text) {
    auto eq = text.find('=');
    if (eq == std::string::npos) return;
    std::string what = text.substr(0, eq), arg = text.substr(eq + 1);
    for (char& c : what) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    control c;
    auto semi = arg.find(';');
    std::string first = arg.substr(0, semi), second = semi == std::string::npos ? "" : arg.substr(semi + 1);
    if (what == "ruleremovebyid") {
      c.op = control::kind::remove_by_id;
      std::vector<std::pair<int, int>> ranges;
      parse_id_ranges(first, ranges);
      for (auto [a, b] : ranges) r.controls.push_back({c.op, a, b, {}, {}});
      return;
    }
    if (what == "ruleremovebytag") c = {control::kind::remove_by_tag, 0, 0, first, {}};
    else if (what == "ruleremovetargetbyid") c = {control::kind::remove_target_by_id, std::atoi(first.c_str()), 0, {}, second};
    else if (what == "ruleremovetargetbytag") c = {control::kind::remove_target_by_tag, 0, 0, first, second};
    else if (what == "ruleengine" && (arg == "Off" || arg == "off")) c.op = control::kind::engine_off;
    else return;  // audit log, request body processing: nothing a log scanner does
    r.controls.push_back(std::move(c));
  }

  bool removed(const rule& r) const {
    for (auto [a, b] : removed_ids_)
      if (r.id >= a && r.id <= b) return true;
    for (const auto& t : r.tags)
      if (removed_tags_.count(t)) return true;
    return false;
  }

  // SecRuleUpdateTargetById/ByTag: adds targets (or `!exclusions`) to every link of the rule.
  void apply_updates(rule& link, int id) {
    const rule* top = set_.find(id);
    for (const auto& u : updates_) {
      bool hit = false;
      if (u.by_id) {
        for (auto [a, b] : u.ids) hit = hit || (id >= a && id <= b);
      } else if (top) {
        hit = top->has_tag(u.tag);
      }
      if (!hit) continue;
      for (const auto& v : u.variables) (v.exclude ? link.exclusions : link.targets).push_back(make_target(v));
    }
  }

  struct update {
    bool by_id = false;
    std::vector<std::pair<int, int>> ids;
    std::string tag;
    std::vector<variable_text> variables;
  };

  rule_set& set_;
  std::string dir_;
  std::map<int, std::vector<action_text>> defaults_;
  rule* chain_tail_ = nullptr;
  int parent_id_ = 0;
  std::vector<std::pair<int, int>> removed_ids_;
  std::set<std::string> removed_tags_;
  std::vector<update> updates_;
};

bool rule::has_tag(std::string_view t) const { return std::find(tags.begin(), tags.end(), t) != tags.end(); }

rule_set::~rule_set() { hs_free_scratch(scratch_); }

const rule* rule_set::find(int id) const {
  for (const auto& r : owned_)
    if (r->id == id) return r.get();
  return nullptr;
}

namespace {
// As crs-setup.conf's example 900200 sets it.
std::string allowed_methods_action(const std::string& methods) {
  return "SecAction \"id:900200,phase:1,nolog,pass,t:none,setvar:'tx.allowed_methods=" + methods + "'\"";
}
}  // namespace

std::vector<std::string> rule_set::replay_directives() const {
  std::vector<std::string> out;
  if (!options_.allowed_methods.empty()) out.push_back(allowed_methods_action(options_.allowed_methods));
  out.insert(out.end(), options_.extra_directives.begin(), options_.extra_directives.end());
  for (int id : unlogged_header_rules_) out.push_back("SecRuleRemoveById " + std::to_string(id));
  return out;
}

std::shared_ptr<const rule_set> rule_set::from_text(const std::string& text, const std::string& dir) {
  std::shared_ptr<rule_set> set(new rule_set());
  rule_loader loader(*set, dir);
  loader.add(read_directives(text, "<text>"));
  loader.finish();
  return set;
}

std::shared_ptr<const rule_set> rule_set::load(const load_options& o) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(o.rules_dir, ec))
    throw seclang_error("CRS rules directory " + o.rules_dir +
                        " not found (install the Debian package modsecurity-crs, or set rules.crs.path)");
  if (o.paranoia_level < 1 || o.paranoia_level > 4)
    throw seclang_error("paranoia level " + std::to_string(o.paranoia_level) + " is not 1-4");
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(o.rules_dir)) {
    std::string name = e.path().filename();
    if (name.rfind("REQUEST-", 0) == 0 && e.path().extension() == ".conf") files.push_back(e.path());
  }
  if (files.empty()) throw seclang_error(o.rules_dir + " holds no REQUEST-*.conf (is it CRS's rules directory?)");
  std::sort(files.begin(), files.end());

  std::shared_ptr<rule_set> set(new rule_set());
  set->options_ = o;
  rule_loader loader(*set, o.rules_dir);
  if (!o.setup_file.empty()) loader.add(read_directives(read_file(o.setup_file), o.setup_file));
  std::string mine = "SecAction \"id:900000,phase:1,nolog,pass,t:none,setvar:tx.paranoia_level=" +
                     std::to_string(o.paranoia_level) + "\"\n" +
                     "SecAction \"id:900110,phase:1,nolog,pass,t:none,setvar:tx.inbound_anomaly_score_threshold=" +
                     std::to_string(o.anomaly_threshold) + "\"\n";
  if (!o.allowed_methods.empty()) mine += allowed_methods_action(o.allowed_methods) + "\n";
  for (const auto& extra : o.extra_directives) mine += extra + "\n";
  loader.add(read_directives(mine, "<vigil configuration>"));
  for (const auto& f : files) loader.add(read_directives(read_file(f), f));
  loader.finish();
  return set;
}

}  // namespace vigil::crs
