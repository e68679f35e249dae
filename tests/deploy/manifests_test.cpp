// The deployment files under deploy/, validated client-side (no cluster, no systemd running): every
// manifest parses, probes point at the runtime's endpoints on the named container port, the Service and
// PodDisruptionBudget select the Deployment's pods, every secretKeyRef names a key of the Secret, and the
// orchestrators' stop timeouts cover the shutdown budgets read from the ConfigMap's vigil config.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "lifespan/config/duration.hpp"
#include "sim/process.hpp"

namespace lifespan::test {
namespace {

using namespace std::chrono_literals;
using seconds = std::chrono::duration<double>;
const std::filesystem::path deploy_dir = std::filesystem::path(LIFESPAN_SOURCE_DIR) / "deploy";

// What the budgets must leave for the process to be scheduled, flush logs and exit after the last stop.
constexpr seconds margin = 3s;

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p);
  if (!in) throw std::runtime_error("cannot read " + p.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

YAML::Node manifest(const std::string& name) { return YAML::LoadFile((deploy_dir / "k8s" / name).string()); }

seconds parse_duration(const YAML::Node& n, const std::string& what) {
  if (!n) throw std::runtime_error(what + " is missing");
  const auto d = config::parse_duration(n.as<std::string>());
  if (!d) throw std::runtime_error(what + ": not a duration: " + n.as<std::string>());
  return std::chrono::duration_cast<seconds>(*d);
}

// The shutdown budget as the runtime computes it: readiness_delay + drain_timeout + the longest chain of
// stop timeouts. The graph's edges live in vigil's code, not its config, so the chain is bounded by the
// sum of every component's stop_timeout (5s when a section does not say): no chain can be longer.
struct budget {
  seconds readiness_delay{}, drain_timeout{}, stop_chain_bound{}, grace_period{}, startup_deadline{};
  seconds total() const { return readiness_delay + drain_timeout + stop_chain_bound; }
};

budget read_budget(const YAML::Node& config) {
  budget b;
  b.readiness_delay = parse_duration(config["shutdown"]["readiness_delay"], "shutdown.readiness_delay");
  b.drain_timeout = parse_duration(config["shutdown"]["drain_timeout"], "shutdown.drain_timeout");
  b.grace_period = parse_duration(config["shutdown"]["grace_period"], "shutdown.grace_period");
  b.startup_deadline = parse_duration(config["startup"]["deadline"], "startup.deadline");
  for (const auto& section : config) {
    const auto name = section.first.as<std::string>();
    if (name == "shutdown" || name == "startup" || name == "logging") continue;  // runtime sections
    b.stop_chain_bound += section.second["stop_timeout"] ? parse_duration(section.second["stop_timeout"], name + ".stop_timeout")
                                                         : seconds(5s);
  }
  return b;
}

bool has_key(const YAML::Node& map, const std::string& key) {
  if (!map.IsDefined() || !map.IsMap()) return false;  // a missing key yields an invalid node
  for (const auto& kv : map)
    if (kv.first.as<std::string>() == key) return true;
  return false;
}

YAML::Node vigil_config() { return YAML::Load(manifest("configmap.yaml")["data"]["vigil.yaml"].as<std::string>()); }

YAML::Node container() { return manifest("deployment.yaml")["spec"]["template"]["spec"]["containers"][0]; }

TEST(Manifests, EveryFileUnderDeployK8sParsesAndNamesItsKind) {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(deploy_dir / "k8s")) {
    SCOPED_TRACE(entry.path().string());
    for (const auto& doc : YAML::LoadAllFromFile(entry.path().string())) {
      EXPECT_TRUE(doc["apiVersion"].IsScalar());
      EXPECT_TRUE(doc["kind"].IsScalar());
      EXPECT_TRUE(doc["metadata"]["name"].IsScalar());
      ++count;
    }
  }
  EXPECT_GE(count, 5);  // Deployment, Service, PodDisruptionBudget, ConfigMap, Secret
}

TEST(Manifests, TheConfigMapCarriesTheSampleProductionConfigVerbatim) {
  EXPECT_EQ(manifest("configmap.yaml")["data"]["vigil.yaml"].as<std::string>(), read(deploy_dir / "config" / "vigil.yaml"));
  const auto config = vigil_config();
  for (const char* section : {"shutdown", "startup", "http", "db"})
    EXPECT_TRUE(config[section].IsMap()) << "the vigil config has no '" << section << ":' section";
}

// The runtime itself reads the config's runtime sections and every component's stop_timeout: a typo
// (drain_timout) or a malformed duration fails here, not in production. App sections are reduced to
// their stop_timeout and checked by lifespan-sim (which serves the same http: section) with
// --check-config; `models` is left out, being one of lifespan-sim's real components with keys of its
// own. The whole file, app keys included, is checked by `vigil check-config` in tests/vigil.
TEST(Manifests, TheRuntimeAcceptsTheConfigsRuntimeSectionsAndStopTimeouts) {
  const auto config = vigil_config();
  YAML::Node reduced;
  for (const auto& section : config) {
    const auto name = section.first.as<std::string>();
    if (name == "shutdown" || name == "startup" || name == "logging" || name == "http") {
      reduced[name] = section.second;
    } else if (name != "models" && section.second["stop_timeout"]) {
      reduced[name]["stop_timeout"] = section.second["stop_timeout"];
    }
  }
  YAML::Emitter out;
  out << reduced;
  const auto path = write_temp_file("vigil-runtime-sections.yaml", out.c_str());
  process check({LIFESPAN_SIM_BINARY, "--config", path, "--serve", "--check-config"});
  EXPECT_EQ(check.wait(), 0) << check.out() << check.err() << "\nchecked:\n" << out.c_str();
}

TEST(Manifests, ProbesUseTheRuntimesEndpointsOnTheNamedContainerPort) {
  const auto c = container();
  std::string port_name;
  int container_port = 0;
  for (const auto& p : c["ports"])
    if (p["name"].as<std::string>() == "http") {
      port_name = "http";
      container_port = p["containerPort"].as<int>();
    }
  ASSERT_EQ(port_name, "http") << "the container has no port named http";
  EXPECT_EQ(container_port, vigil_config()["http"]["port"].as<int>()) << "containerPort differs from the config's http.port";
  const std::map<std::string, std::string> expected{
      {"startupProbe", "/startupz"}, {"livenessProbe", "/livez"}, {"readinessProbe", "/readyz"}};
  for (const auto& [probe, path] : expected) {
    SCOPED_TRACE(probe);
    ASSERT_TRUE(c[probe].IsMap());
    EXPECT_EQ(c[probe]["httpGet"]["path"].as<std::string>(), path);
    EXPECT_EQ(c[probe]["httpGet"]["port"].as<std::string>(), port_name);
  }
  // The startup probe's window covers the runtime's own startup deadline (the runtime gives up first).
  const auto window = seconds(c["startupProbe"]["periodSeconds"].as<double>() * c["startupProbe"]["failureThreshold"].as<double>());
  EXPECT_GE(window, read_budget(vigil_config()).startup_deadline);
  EXPECT_FALSE(c["lifecycle"] && c["lifecycle"]["preStop"]) << "no preStop sleep: the runtime serves through its readiness delay";
  EXPECT_TRUE(c["resources"]["requests"]["cpu"]);
  EXPECT_TRUE(c["resources"]["limits"]["memory"]);
}

TEST(Manifests, ServiceAndDisruptionBudgetSelectTheDeploymentsPods) {
  const auto d = manifest("deployment.yaml");
  const auto pod_labels = d["spec"]["template"]["metadata"]["labels"];
  const auto selects_pods = [&](const YAML::Node& selector) {
    if (!selector.IsMap() || selector.size() == 0) return false;
    for (const auto& kv : selector)
      if (!pod_labels[kv.first.as<std::string>()] ||
          pod_labels[kv.first.as<std::string>()].as<std::string>() != kv.second.as<std::string>())
        return false;
    return true;
  };
  EXPECT_TRUE(selects_pods(d["spec"]["selector"]["matchLabels"])) << "the Deployment's selector misses its own pods";
  EXPECT_TRUE(selects_pods(manifest("service.yaml")["spec"]["selector"]));
  EXPECT_TRUE(selects_pods(manifest("pdb.yaml")["spec"]["selector"]["matchLabels"]));
  EXPECT_EQ(manifest("service.yaml")["spec"]["ports"][0]["targetPort"].as<std::string>(), "http");
  // With maxUnavailable 1 and 3 replicas a drain never takes more than one replica out at once.
  EXPECT_LT(manifest("pdb.yaml")["spec"]["maxUnavailable"].as<int>(), d["spec"]["replicas"].as<int>());
}

TEST(Manifests, EverySecretKeyRefNamesAKeyOfTheSecretAndOverridesARealSection) {
  const auto secret = manifest("secret.yaml");
  const auto config = vigil_config();
  int refs = 0;
  for (const auto& e : container()["env"]) {
    const auto ref = e["valueFrom"]["secretKeyRef"];
    if (!ref) continue;
    ++refs;
    const auto name = e["name"].as<std::string>();
    SCOPED_TRACE(name);
    EXPECT_EQ(ref["name"].as<std::string>(), secret["metadata"]["name"].as<std::string>());
    const auto key = ref["key"].as<std::string>();
    EXPECT_TRUE(has_key(secret["stringData"], key) || has_key(secret["data"], key)) << "the Secret has no key '" << key << "'";
    // VIGIL__SECTION__KEY: the section must exist in the config the runtime reads.
    ASSERT_EQ(name.rfind("VIGIL__", 0), 0u);
    const auto rest = name.substr(7);
    const auto split = rest.find("__");
    ASSERT_NE(split, std::string::npos);
    std::string section = rest.substr(0, split);
    for (auto& ch : section) ch = static_cast<char>(std::tolower(ch));
    EXPECT_TRUE(config[section].IsMap()) << name << " overrides section '" << section << "', which the config lacks";
  }
  EXPECT_EQ(refs, 3);  // the database URL, the Redis URL and the API token
}

TEST(Manifests, TerminationGracePeriodCoversTheShutdownBudget) {
  const auto b = read_budget(vigil_config());
  const seconds grace{manifest("deployment.yaml")["spec"]["template"]["spec"]["terminationGracePeriodSeconds"].as<double>()};
  std::cout << "[ budget ] readiness_delay " << b.readiness_delay.count() << "s + drain_timeout " << b.drain_timeout.count()
            << "s + stop chain <= " << b.stop_chain_bound.count() << "s = " << b.total().count() << "s; grace "
            << grace.count() << "s\n";
  EXPECT_GE(grace, b.total() + margin);
  EXPECT_EQ(grace, b.grace_period) << "shutdown.grace_period should state the orchestrator's grace period";
}

// The unit's key=value lines (last one wins, as systemd does for single-valued settings).
std::map<std::string, std::string> unit_settings(const std::string& text) {
  std::map<std::string, std::string> s;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#' || line[0] == '[') continue;
    const auto eq = line.find('=');
    if (eq != std::string::npos) s[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return s;
}

TEST(SystemdUnit, TimeoutsCoverTheBudgetsAndTheHardeningIsOn) {
  const auto unit = unit_settings(read(deploy_dir / "systemd" / "vigil.service"));
  const auto b = read_budget(YAML::LoadFile((deploy_dir / "config" / "vigil.yaml").string()));
  EXPECT_EQ(unit.at("Type"), "notify");  // systemd 252 (Debian 12); notify-reload.conf is the drop-in for >= 253
  EXPECT_EQ(unit.at("ExecReload"), "/bin/kill -HUP $MAINPID");
  EXPECT_GE(parse_duration(YAML::Node(unit.at("TimeoutStopSec")), "TimeoutStopSec"), b.total() + margin);
  EXPECT_EQ(parse_duration(YAML::Node(unit.at("TimeoutStopSec")), "TimeoutStopSec"), b.grace_period);
  EXPECT_GE(parse_duration(YAML::Node(unit.at("TimeoutStartSec")), "TimeoutStartSec"), b.startup_deadline + margin);
  EXPECT_TRUE(unit.count("WatchdogSec"));
  for (const auto& [key, value] :
       std::map<std::string, std::string>{{"User", "vigil"}, {"ProtectSystem", "strict"}, {"ProtectHome", "yes"},
                                          {"PrivateTmp", "yes"}, {"NoNewPrivileges", "yes"}, {"StateDirectory", "vigil"}})
    EXPECT_EQ(unit.count(key) ? unit.at(key) : "", value) << key;
  EXPECT_TRUE(unit.count("RestrictAddressFamilies"));
  EXPECT_NE(read(deploy_dir / "systemd" / "vigil.service").find("SystemCallFilter=@system-service"), std::string::npos);
}

std::string run(const std::string& command, int& status) {
  std::string out;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (!p) throw std::runtime_error("popen failed: " + command);
  std::array<char, 4096> buffer;
  for (std::size_t n; (n = std::fread(buffer.data(), 1, buffer.size(), p)) > 0;) out.append(buffer.data(), n);
  status = ::pclose(p);
  return out;
}

TEST(SystemdUnit, SystemdAnalyzeVerifyAcceptsTheUnit) {
  if (!std::filesystem::exists("/usr/bin/systemd-analyze")) GTEST_SKIP() << "systemd-analyze is not installed";
  // vigil is not installed here: verify checks that ExecStart's binary exists, so a copy points at /bin/true.
  auto text = read(deploy_dir / "systemd" / "vigil.service");
  const auto at = text.find("ExecStart=/usr/bin/vigil");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, std::string("ExecStart=/usr/bin/vigil").size(), "ExecStart=/bin/true");
  const auto dir = std::filesystem::path(::testing::TempDir()) / "unit";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "vigil.service") << text;
  int status = 0;
  const auto out = run("systemd-analyze verify " + (dir / "vigil.service").string(), status);
  EXPECT_EQ(status, 0) << out;
  // Type=notify and ExecReload are known to systemd 252 (Debian 12): anything it reports fails the test.
  EXPECT_EQ(out, "") << "systemd-analyze verify";
}

}  // namespace
}  // namespace lifespan::test
