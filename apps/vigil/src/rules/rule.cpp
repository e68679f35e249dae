#include "rules/rule.hpp"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>
#include <unordered_set>

namespace vigil {
namespace {

std::string where(std::string_view origin, std::size_t index, const std::string& id) {
  std::string s = "rules file " + std::string(origin) + ": rule ";
  s += id.empty() ? "#" + std::to_string(index + 1) : "'" + id + "'";
  return s;
}

bool valid_id(const std::string& id) {
  if (id.empty()) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

std::string scalar(const YAML::Node& node, const char* key, const std::string& context, bool required) {
  const auto value = node[key];
  if (!value) {
    if (required) throw rule_error(context + ": missing '" + key + "'; add it");
    return {};
  }
  if (!value.IsScalar()) throw rule_error(context + ": '" + key + "' must be a string");
  return value.as<std::string>();
}

}  // namespace

std::string_view severity_name(severity s) {
  switch (s) {
    case severity::none: return "none";
    case severity::low: return "low";
    case severity::medium: return "medium";
    case severity::high: return "high";
    case severity::critical: return "critical";
  }
  return "none";
}

std::optional<severity> severity_named(std::string_view name) {
  for (const auto s : {severity::low, severity::medium, severity::high, severity::critical})
    if (severity_name(s) == name) return s;
  return std::nullopt;
}

rules_document parse_rules_document(std::string_view yaml_text, std::string_view origin) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    throw rule_error("rules file " + std::string(origin) + ": not valid YAML: " + e.what());
  }
  if (!root || !root.IsMap() || !root["rules"] || !root["rules"].IsSequence())
    throw rule_error("rules file " + std::string(origin) + ": expected a top-level 'rules:' list");
  rules_document document;
  try {
    if (root["enabled"]) document.enabled = root["enabled"].as<bool>();
  } catch (const YAML::Exception&) {
    throw rule_error("rules file " + std::string(origin) + ": 'enabled' must be true or false");
  }
  std::unordered_set<std::string> ids;
  const auto list = root["rules"];
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto node = list[i];
    if (!node.IsMap()) throw rule_error(where(origin, i, {}) + ": must be a map with id, category, ...");
    rule r;
    try {
      r.id = scalar(node, "id", where(origin, i, {}), true);
      const auto ctx = where(origin, i, r.id);
      if (!valid_id(r.id)) throw rule_error(ctx + ": id must be made of letters, digits, '_', '-', '.'");
      if (!ids.insert(r.id).second) throw rule_error(ctx + ": duplicate id; ids must be unique");
      r.category = scalar(node, "category", ctx, true);
      r.pattern = scalar(node, "pattern", ctx, true);
      if (r.pattern.empty()) throw rule_error(ctx + ": empty pattern");
      r.description = scalar(node, "description", ctx, false);
      const auto level = scalar(node, "severity", ctx, true);
      const auto named = severity_named(level);
      if (!named) throw rule_error(ctx + ": severity '" + level + "' is not one of low, medium, high, critical");
      r.level = *named;
      const auto field = scalar(node, "field", ctx, true);
      bool known = false;
      for (std::size_t f = 0; f < rule_field_count; ++f) {
        if (rule_field_names[f] == field) {
          r.field = static_cast<rule_field>(f);
          known = true;
        }
      }
      if (!known)
        throw rule_error(ctx + ": field '" + field + "' is not one of target, request, user_agent, referer, method");
      if (node["case_sensitive"]) r.case_sensitive = node["case_sensitive"].as<bool>();
      if (node["fallback"]) r.fallback = node["fallback"].as<bool>();
      if (node["enabled"] && !node["enabled"].as<bool>()) continue;
    } catch (const YAML::Exception& e) {
      throw rule_error(where(origin, i, r.id) + ": " + e.what());
    }
    document.rules.push_back(std::move(r));
  }
  return document;
}

std::vector<rule> parse_rules_yaml(std::string_view yaml_text, std::string_view origin) {
  auto document = parse_rules_document(yaml_text, origin);
  if (!document.enabled) return {};
  return std::move(document.rules);
}

std::string read_rules_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw rule_error("rules file " + path + ": cannot be read; check the path and permissions");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<rule> load_rules_file(const std::string& path) { return parse_rules_yaml(read_rules_file(path), path); }

}  // namespace vigil
