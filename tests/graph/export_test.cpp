// Graphviz DOT and JSON exports.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "builders.hpp"
#include "lifespan/graph/graph.hpp"

namespace lifespan::graph {
namespace {

using namespace lifespan::graph::test;

using ::testing::HasSubstr;
using c = lifespan::criticality;

const std::vector<declaration> shop{
    component("db", c::critical),
    component("session", c::lazy, {"db"}),
    component("metrics", c::background),
    component("api", c::critical, {"db", "session"}, {"metrics"}),
    component("report", c::lazy),
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
  const std::vector<declaration> declarations{component("say \"hi\"", c::ready), component("back\\slash", c::ready, {"say \"hi\""})};
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
  const std::vector<declaration> declarations{component("a\"b", c::ready)};
  const auto text = to_json(declarations, resolve_ok(declarations)).dump();
  EXPECT_EQ(nlohmann::json::parse(text)["components"][0]["name"], "a\"b");
}

}  // namespace
}  // namespace lifespan::graph
