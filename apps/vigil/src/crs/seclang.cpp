#include "crs/seclang.hpp"

#include <cctype>

namespace vigil::crs {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (is_space(s.front()) || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (is_space(s.back()) || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

// Splits one logical line (continuations already joined) into its arguments.
std::vector<std::string> split_arguments(std::string_view text, const std::string& where) {
  std::vector<std::string> args;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) ++i;
    if (i >= text.size()) break;
    std::string arg;
    if (text[i] == '"') {
      ++i;
      bool closed = false;
      while (i < text.size()) {
        char c = text[i];
        if (c == '\\' && i + 1 < text.size() && text[i + 1] == '"') {
          arg += '"';
          i += 2;
          continue;
        }
        if (c == '"') {
          closed = true;
          ++i;
          break;
        }
        arg += c;
        ++i;
      }
      if (!closed) throw seclang_error(where + ": unterminated double quote");
    } else {
      while (i < text.size() && !is_space(text[i])) arg += text[i++];
    }
    args.push_back(std::move(arg));
  }
  return args;
}

}  // namespace

std::vector<directive> read_directives(std::string_view text, const std::string& file) {
  std::vector<directive> out;
  std::string logical;
  int start_line = 0;
  int line_no = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::string_view trimmed = trim(line);
    if (logical.empty()) {
      if (trimmed.empty() || trimmed.front() == '#') {
        if (end == text.size()) break;
        continue;
      }
      start_line = line_no;
    }
    bool continues = !line.empty() && line.back() == '\\';
    if (continues) line.remove_suffix(1);
    logical.append(line);
    if (continues && end != text.size()) continue;

    std::string where = file + ":" + std::to_string(start_line);
    auto args = split_arguments(logical, where);
    logical.clear();
    if (!args.empty()) {
      directive d;
      d.name = std::move(args.front());
      d.args.assign(std::make_move_iterator(args.begin() + 1), std::make_move_iterator(args.end()));
      d.file = file;
      d.line = start_line;
      out.push_back(std::move(d));
    }
    if (end == text.size()) break;
  }
  return out;
}

std::vector<action_text> split_actions(std::string_view actions) {
  std::vector<action_text> out;
  std::size_t i = 0;
  while (i < actions.size()) {
    std::string item;
    bool quoted = false;
    for (; i < actions.size(); ++i) {
      char c = actions[i];
      if (c == '\'' && (i == 0 || actions[i - 1] != '\\')) quoted = !quoted;
      if (c == ',' && !quoted) break;
      item += c;
    }
    ++i;  // the comma
    std::string_view t = trim(item);
    if (t.empty()) continue;
    action_text a;
    std::size_t colon = t.find(':');
    a.name = lower(trim(t.substr(0, colon)));
    if (colon != std::string_view::npos) {
      std::string_view v = trim(t.substr(colon + 1));
      if (v.size() >= 2 && v.front() == '\'' && v.back() == '\'') v = v.substr(1, v.size() - 2);
      a.value = std::string(v);
    }
    out.push_back(std::move(a));
  }
  return out;
}

std::vector<variable_text> split_variables(std::string_view text) {
  std::vector<variable_text> out;
  std::size_t i = 0;
  while (i < text.size()) {
    variable_text v;
    while (i < text.size() && (text[i] == '!' || text[i] == '&' || is_space(text[i]))) {
      if (text[i] == '!') v.exclude = true;
      if (text[i] == '&') v.count = true;
      ++i;
    }
    std::size_t name_start = i;
    while (i < text.size() && text[i] != ':' && text[i] != '|') ++i;
    v.name = upper(trim(text.substr(name_start, i - name_start)));
    if (i < text.size() && text[i] == ':') {
      ++i;
      std::size_t close = std::string_view::npos;
      if (i < text.size() && text[i] == '/') {
        // A regex selector runs to the next unescaped '/', and may contain '|' (`XML:/*` is an
        // XPath, not a regex: it has no closing '/').
        close = i + 1;
        auto ends_here = [&](std::size_t at) {
          return text[at] == '/' && text[at - 1] != '\\' && (at + 1 == text.size() || text[at + 1] == '|');
        };
        while (close < text.size() && !ends_here(close)) ++close;
        if (close >= text.size() || v.name == "XML") close = std::string_view::npos;
      }
      if (close != std::string_view::npos) {
        v.selector = std::string(text.substr(i + 1, close - i - 1));
        v.selector_is_regex = true;
        i = close + 1;
      } else if (i < text.size() && text[i] == '\'') {
        ++i;
        std::size_t start = i;
        while (i < text.size() && text[i] != '\'') ++i;
        v.selector = std::string(text.substr(start, i - start));
        if (i < text.size()) ++i;
      } else {
        std::size_t start = i;
        while (i < text.size() && text[i] != '|') ++i;
        v.selector = std::string(trim(text.substr(start, i - start)));
      }
    }
    while (i < text.size() && text[i] != '|') ++i;
    ++i;  // the '|'
    if (!v.name.empty()) out.push_back(std::move(v));
  }
  return out;
}

operator_text split_operator(std::string_view text) {
  operator_text op;
  std::size_t i = 0;
  while (i < text.size() && is_space(text[i])) ++i;
  if (i < text.size() && text[i] == '!') {
    op.negated = true;
    ++i;
  }
  if (i < text.size() && text[i] == '@') {
    std::size_t start = ++i;
    while (i < text.size() && !is_space(text[i])) ++i;
    op.name = lower(text.substr(start, i - start));
    while (i < text.size() && is_space(text[i])) ++i;
    op.argument = std::string(text.substr(i));
  } else {
    op.name = "rx";
    op.argument = std::string(text.substr(i));
  }
  return op;
}

}  // namespace vigil::crs
