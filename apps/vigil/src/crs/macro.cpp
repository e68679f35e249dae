#include "crs/macro.hpp"

#include <cctype>

namespace vigil::crs {

macro_text macro_text::parse(std::string_view text) {
  macro_text m;
  std::string literal;
  auto flush = [&] {
    if (!literal.empty()) m.parts.push_back({false, std::move(literal), {}});
    literal.clear();
  };
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t close = std::string_view::npos;
    if (text[i] == '%' && i + 1 < text.size() && text[i + 1] == '{') close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      literal += text[i++];
      continue;
    }
    flush();
    std::string name(text.substr(i + 2, close - i - 2));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    part p{true, name, {}};
    if (auto dot = name.find('.'); dot != std::string::npos) {
      p.text = name.substr(0, dot);
      p.key = name.substr(dot + 1);
    }
    m.parts.push_back(std::move(p));
    i = close + 1;
  }
  flush();
  return m;
}

}  // namespace vigil::crs
