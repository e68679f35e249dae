// From yaml-cpp's nodes to the configuration tree. This is the only place that parses YAML text,
// and every yaml-cpp exception stops here: callers see errors in an error_list, never a throw.
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <exception>
#include <sstream>
#include <utility>

#include "tree.hpp"

namespace lifespan::config::detail {
namespace {

using kind = node::kind;

// Far beyond any sensible configuration. Aliases are expanded into copies, so without these limits
// a small hostile file ("&x [*x, *x]", or the "billion laughs") could exhaust the stack or memory.
constexpr int max_depth = 64;
constexpr std::size_t max_nodes = 100'000;

// yaml-cpp marks are 0-based; ours are 1-based. Some nodes carry no mark, and then the nearest
// enclosing position is the best we have.
origin origin_of(const YAML::Mark& mark, const std::string& source, const origin& fallback) {
  if (mark.is_null() || mark.line < 0 || mark.column < 0) return fallback;
  return origin{source, mark.line + 1, mark.column + 1};
}

class converter {
 public:
  converter(const std::string& source, error_list& errors) : source_(source), errors_(errors) {}

  node convert(const YAML::Node& y, const origin& fallback, int depth) {
    node n;
    // An empty value ("key:" and nothing after it) is marked where the *next* token starts, often
    // the following line; its key is the better place to point at.
    n.where = y.IsNull() ? fallback : origin_of(y.Mark(), source_, fallback);
    if (depth > max_depth) {
      report(n.where, "nesting is deeper than " + std::to_string(max_depth) + " levels");
      return n;
    }
    if (++nodes_ > max_nodes) {
      if (nodes_ == max_nodes + 1) {
        report(n.where, "the document expands to more than " + std::to_string(max_nodes) + " values",
               "check for aliases (*name) that repeat large parts of the file");
      }
      return n;
    }
    switch (y.Type()) {
      case YAML::NodeType::Scalar:
        n.type = kind::scalar;
        n.text = y.Scalar();
        break;
      case YAML::NodeType::Sequence:
        n.type = kind::sequence;
        for (const auto& item : y) {
          path_.push_back("[" + std::to_string(n.items.size() + 1) + "]");
          n.items.push_back(convert(item, n.where, depth + 1));
          path_.pop_back();
        }
        break;
      case YAML::NodeType::Map:
        n.type = kind::mapping;
        for (const auto& pair : y) add_entry(n, pair.first, pair.second, depth);
        break;
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined:
        break;
    }
    return n;
  }

 private:
  void add_entry(node& map, const YAML::Node& key, const YAML::Node& value, int depth) {
    const origin key_where = origin_of(key.Mark(), source_, map.where);
    if (!key.IsScalar() || key.Scalar().empty()) {
      report(key_where, "a key must be a non-empty name", "write `name: value`");
      return;
    }
    const std::string& name = key.Scalar();
    path_.push_back(name);
    node converted = convert(value, key_where, depth + 1);
    if (entry* earlier = map.find(name)) {
      // Later wins, as with overrides, but a duplicate is almost always a mistake.
      report(key_where, "duplicate key " + quote(name),
             "it is also written at line " + std::to_string(earlier->key_where.line) + "; keep one");
      earlier->value = std::move(converted);
    } else {
      map.add(entry{name, key_where, std::move(converted)});
    }
    path_.pop_back();
  }

  void report(const origin& where, std::string message, std::string hint = {}) {
    errors_.push_back(error{join_key(path_), where, std::move(message), std::move(hint)});
  }

  const std::string& source_;
  error_list& errors_;
  std::vector<std::string> path_;
  std::size_t nodes_ = 0;
};

// Counts the values (not the keys) as the parser reports them, before any tree is built, so that a
// document past max_nodes is refused after one streaming pass rather than after yaml-cpp built a
// tree of millions of nodes (the converter below counts again, with aliases expanded).
class census final : public YAML::EventHandler {
 public:
  struct over {
    YAML::Mark mark;
  };
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { value(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { value(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t, const std::string&) override { value(mark); }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    value(mark);
    open_.push_back({false, false});
  }
  void OnSequenceEnd() override { open_.pop_back(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    value(mark);
    open_.push_back({true, true});
  }
  void OnMapEnd() override { open_.pop_back(); }

 private:
  struct collection {
    bool mapping;
    bool at_key;  // a mapping's events alternate key, value
  };
  void value(const YAML::Mark& mark) {
    if (!open_.empty() && open_.back().mapping && std::exchange(open_.back().at_key, !open_.back().at_key)) return;
    if (++values_ > max_nodes) throw over{mark};
  }
  std::vector<collection> open_;
  std::size_t values_ = 0;
};

bool is_null_spelling(std::string_view text) {
  return text == "~" || text == "null" || text == "Null" || text == "NULL";
}

std::string_view trim(std::string_view text) {
  constexpr std::string_view space = " \t\r\n";
  const auto first = text.find_first_not_of(space);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(space) - first + 1);
}

}  // namespace

std::optional<node> load_yaml(std::string_view text, const std::string& source, error_list& errors) {
  const origin whole{source, 0, 0};
  std::vector<YAML::Node> documents;
  const std::string copy(text);
  try {
    std::istringstream stream(copy);
    YAML::Parser parser(stream);
    census counter;
    while (parser.HandleNextDocument(counter)) {
    }
    documents = YAML::LoadAll(copy);  // within the limits: now the tree
  } catch (const census::over& o) {
    errors.push_back(error{"", origin_of(o.mark, source, whole),
                           "the document has more than " + std::to_string(max_nodes) + " values",
                           "a configuration is far smaller; check that this is the right file"});
    return std::nullopt;
  } catch (const YAML::Exception& e) {
    errors.push_back(error{"", origin_of(e.mark, source, whole), "invalid YAML: " + e.msg, {}});
    return std::nullopt;
  } catch (const std::exception& e) {
    errors.push_back(error{"", whole, std::string("invalid YAML: ") + e.what(), {}});
    return std::nullopt;
  }

  node root;
  root.type = kind::mapping;
  root.where = whole;
  if (documents.empty() || documents.front().IsNull()) return root;  // an empty file configures nothing

  if (documents.size() > 1) {
    errors.push_back(error{"", origin_of(documents[1].Mark(), source, whole),
                           "expected one YAML document, found " + std::to_string(documents.size()),
                           "remove the '---' separators"});
    return std::nullopt;
  }
  const YAML::Node& top = documents.front();
  if (!top.IsMap()) {
    node shape;
    shape.type = top.IsSequence() ? kind::sequence : kind::scalar;
    shape.text = top.IsScalar() ? top.Scalar() : std::string{};
    errors.push_back(error{"", origin_of(top.Mark(), source, whole),
                           "expected a mapping of section names to settings at the top level, got " + describe(shape),
                           "start the file with a section name, e.g. `shutdown:`"});
    return std::nullopt;
  }
  try {
    converter c(source, errors);
    root = c.convert(top, whole, 0);
    root.where = whole;
  } catch (const std::exception& e) {  // yaml-cpp iteration can still throw on a corrupt tree
    errors.push_back(error{"", whole, std::string("invalid YAML: ") + e.what(), {}});
    return std::nullopt;
  }
  return root;
}

std::optional<node> parse_override_value(std::string_view text, const origin& where, std::string& problem) {
  node literal;
  literal.type = kind::scalar;
  literal.text = std::string(trim(text));
  literal.where = where;
  if (literal.text.empty()) return literal;  // an explicitly empty value is an empty string

  // Text that looks like a flow collection must be one; anything else that is not a plain YAML
  // scalar ("a: b", "#x", "'unbalanced") is meant literally.
  const bool flow = literal.text.front() == '[' || literal.text.front() == '{';
  YAML::Node y;
  try {
    y = YAML::Load(literal.text);
  } catch (const YAML::Exception& e) {
    if (!flow) return literal;
    problem = "expected a value or a list such as [a, b], got " + quote(literal.text) + ": " + e.msg;
    return std::nullopt;
  }

  if (y.IsScalar()) {
    literal.text = y.Scalar();
    return literal;
  }
  if (y.IsNull()) {
    if (!is_null_spelling(literal.text)) return literal;
    node null_value;
    null_value.where = where;
    return null_value;
  }
  if (y.IsSequence() && flow) {
    node list;
    list.type = kind::sequence;
    list.where = where;
    for (const auto& item : y) {
      if (!item.IsScalar()) {
        problem = "expected a list of plain values such as [a, b], got " + quote(literal.text);
        return std::nullopt;
      }
      node value = literal;
      value.text = item.Scalar();
      list.items.push_back(std::move(value));
    }
    return list;
  }
  if (flow) {
    problem = "expected a value or a list such as [a, b], got a mapping " + quote(literal.text);
    return std::nullopt;
  }
  return literal;
}

}  // namespace lifespan::config::detail
