// Graphviz DOT and JSON exports.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lifespan/graph/graph.hpp"

namespace lifespan::graph {
namespace {

using ::testing::HasSubstr;
using c = lifespan::criticality;

dependency on(std::string name) { return {std::move(name), nullptr, ""}; }

declaration node(std::string name, criticality level, std::vector<std::string> required = {},
                 std::vector<std::string> optional = {}) {
  declaration d{std::move(name), level, nullptr, "", {}, {}};
  for (auto& r : required) d.required.push_back(on(std::move(r)));
  for (auto& o : optional) d.optional.push_back(on(std::move(o)));
  return d;
}

resolved resolve_ok(const std::vector<declaration>& declarations) {
  std::vector<problem> problems;
  auto graph = resolve(declarations, problems);
  for (const auto& p : problems) ADD_FAILURE() << p.to_string();
  return graph;
}

const std::vector<declaration> shop{
    node("db", c::critical),
    node("session", c::lazy, {"db"}),
    node("metrics", c::background),
    node("api", c::critical, {"db", "session"}, {"metrics"}),
    node("report", c::lazy),
};

TEST(Dot, DrawsEveryComponentAndEveryEdgeFromDependentToDependency) {
  EXPECT_EQ(to_dot(shop, resolve_ok(shop)),
            "digraph lifespan {\n"
            "  node [shape=box];\n"
            "  \"db\" [label=\"db\\n(critical)\"];\n"
            "  \"session\" [label=\"session\\n(lazy, as critical)\"];\n"
            "  \"metrics\" [label=\"metrics\\n(background)\"];\n"
            "  \"api\" [label=\"api\\n(critical)\"];\n"
            "  \"report\" [label=\"report\\n(lazy)\"];\n"
            "  \"session\" -> \"db\";\n"
            "  \"api\" -> \"db\";\n"
            "  \"api\" -> \"session\";\n"
            "  \"api\" -> \"metrics\" [style=dashed];\n"
            "}\n");
}

TEST(Dot, EscapesQuotesAndBackslashesInNames) {
  const std::vector<declaration> declarations{node("say \"hi\"", c::ready), node("back\\slash", c::ready, {"say \"hi\""})};
  const auto dot = to_dot(declarations, resolve_ok(declarations));
  EXPECT_THAT(dot, HasSubstr("  \"say \\\"hi\\\"\" [label=\"say \\\"hi\\\"\\n(ready)\"];\n"));
  EXPECT_THAT(dot, HasSubstr("  \"back\\\\slash\" -> \"say \\\"hi\\\"\";\n"));
}

TEST(Dot, IsDeterministic) {
  EXPECT_EQ(to_dot(shop, resolve_ok(shop)), to_dot(shop, resolve_ok(shop)));
}

TEST(Dot, EmptyGraphIsStillValid) {
  EXPECT_EQ(to_dot({}, resolve_ok({})), "digraph lifespan {\n  node [shape=box];\n}\n");
}

TEST(Json, ListsComponentsWithTheirDependenciesAndAllEdges) {
  const auto json = to_json(shop, resolve_ok(shop));
  const auto expected = nlohmann::json::parse(R"({
    "components": [
      {"name": "db", "criticality": "critical", "requires": [], "optional": []},
      {"name": "session", "criticality": "lazy", "requires": ["db"], "optional": []},
      {"name": "metrics", "criticality": "background", "requires": [], "optional": []},
      {"name": "api", "criticality": "critical", "requires": ["db", "session"], "optional": ["metrics"]},
      {"name": "report", "criticality": "lazy", "requires": [], "optional": []}
    ],
    "edges": [
      {"from": "session", "to": "db", "kind": "required"},
      {"from": "api", "to": "db", "kind": "required"},
      {"from": "api", "to": "session", "kind": "required"},
      {"from": "api", "to": "metrics", "kind": "optional"}
    ]
  })");
  EXPECT_EQ(json, expected) << json.dump(2);
}

TEST(Json, EmptyGraphHasEmptyArrays) {
  EXPECT_EQ(to_json({}, resolve_ok({})), nlohmann::json::parse(R"({"components": [], "edges": []})"));
}

TEST(Json, NamesWithQuotesRoundTrip) {
  const std::vector<declaration> declarations{node("a\"b", c::ready)};
  const auto text = to_json(declarations, resolve_ok(declarations)).dump();
  EXPECT_EQ(nlohmann::json::parse(text)["components"][0]["name"], "a\"b");
}

}  // namespace
}  // namespace lifespan::graph
