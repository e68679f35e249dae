#include "lifespan/data/test_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <pwd.h>
#include <soci/soci.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "backends.hpp"

namespace lifespan::data {
namespace {

namespace fs = std::filesystem;

bool as_root() { return ::geteuid() == 0; }

void give_to_postgres(const fs::path& path) {
  if (!as_root()) return;
  const passwd* pw = ::getpwnam("postgres");
  if (!pw) throw std::runtime_error("test_server: running as root needs a 'postgres' user (apt-get install postgresql)");
  if (::chown(path.c_str(), pw->pw_uid, pw->pw_gid) != 0)
    throw std::runtime_error("test_server: chown " + path.string() + " failed");
}

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(fd);
    throw std::runtime_error("test_server: no free loopback port");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

std::string tail(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream all;
  all << in.rdbuf();
  std::string text = all.str();
  return text.size() > 2000 ? text.substr(text.size() - 2000) : text;
}

// initdb once per machine and binary directory; later servers copy the template.
fs::path template_dir(const fs::path& bin_dir, const std::function<void(const std::string&)>& run) {
  const fs::path base = fs::temp_directory_path() / fmt::format("lifespan-pg-template-{}", as_root() ? 0 : ::geteuid());
  const fs::path lock_file = base.string() + ".lock";
  const int lock = ::open(lock_file.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  if (lock < 0 || ::flock(lock, LOCK_EX) != 0) throw std::runtime_error("test_server: cannot lock " + lock_file.string());
  const fs::path data = base / "data";
  try {
    if (!fs::exists(base / "ready")) {
      fs::remove_all(base);
      fs::create_directories(base);
      fs::permissions(base, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
      give_to_postgres(base);
      { std::ofstream(base / "pw") << test_server::password << "\n"; }
      give_to_postgres(base / "pw");
      run(fmt::format("{}/initdb -D {} -U {} --pwfile={}/pw --auth-local=trust --auth-host=scram-sha-256 "
                      "--no-sync --no-locale -E UTF8 >{}/initdb.log 2>&1",
                      bin_dir.string(), data.string(), test_server::user, base.string(), base.string()));
      std::ofstream(base / "ready") << "ok\n";
    }
  } catch (...) {
    ::close(lock);
    throw;
  }
  ::close(lock);
  return data;
}

}  // namespace

test_server::test_server() : test_server(options{}) {}
test_server::test_server(options o) : options_(std::move(o)) {}

test_server::~test_server() {
  try {
    stop();
  } catch (...) {
  }
  std::error_code ignored;
  if (!dir_.empty()) fs::remove_all(dir_, ignored);
}

void test_server::run(const std::string& command) const {
  const std::string full = as_root() ? "runuser -u postgres -- sh -c '" + command + "'" : command;
  if (std::system(full.c_str()) != 0) throw std::runtime_error("test_server: failed: " + command);
}

void test_server::start() {
  if (running_) return;
  auto runner = [this](const std::string& c) { run(c); };
  const bool fresh = dir_.empty();
  if (fresh) {
    const fs::path source = template_dir(options_.bin_dir, runner);
    std::string pattern = (fs::temp_directory_path() / "lifespan-pg-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("test_server: mkdtemp failed");
    dir_ = pattern;
    give_to_postgres(dir_);
    run(fmt::format("cp -a {} {}/data", source.string(), dir_.string()));
    port_ = free_port();
  }
  const std::string settings =
      options_.durable ? "" : " -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
  for (int attempt = 0;; ++attempt) {
    try {
      run(fmt::format("{}/pg_ctl -D {}/data -l {}/server.log -w -t 60 -o \"-c listen_addresses=127.0.0.1 -c port={} "
                      "-c unix_socket_directories={} -c max_connections=200{}\" start >/dev/null",
                      options_.bin_dir.string(), dir_.string(), dir_.string(), port_, dir_.string(), settings));
      break;
    } catch (const std::exception&) {
      if (attempt == 2 || !fresh)  // a restart keeps its port: clients hold URLs naming it
        throw std::runtime_error(fmt::format("test_server: PostgreSQL did not start on port {}: {}", port_,
                                             tail(dir_ / "server.log")));
      port_ = free_port();  // the port was taken in between, most likely
    }
  }
  running_ = true;
  if (fresh) {
    // A test that crashes skips the destructor: a watchdog stops the server and removes its directory
    // once this process is gone or a zombie (a detached shell polling /proc/PID/status).
    const std::string stop = fmt::format("{}/pg_ctl -D {}/data -m immediate stop", options_.bin_dir.string(), dir_.string());
    const std::string watchdog = fmt::format(
        "(while [ -r /proc/{0}/status ] && ! grep -q '^State:.*Z' /proc/{0}/status; do sleep 1; done; {1}; rm -rf {2}) "
        "</dev/null >/dev/null 2>&1 &",
        ::getpid(),
        as_root() ? "runuser -u postgres -- " + stop : stop, dir_.string());
    if (std::system(watchdog.c_str()) != 0) {  // best effort: the destructor still cleans up normally
    }
  }
}

void test_server::stop() {
  if (!running_) return;
  running_ = false;
  run(fmt::format("{}/pg_ctl -D {}/data -m fast -w -t 60 stop >/dev/null", options_.bin_dir.string(), dir_.string()));
}

std::string test_server::url(const std::string& database) const {
  return fmt::format("postgresql://{}:{}@127.0.0.1:{}/{}", user, password, port_, database);
}

std::string test_server::fresh_database() {
  start();
  const std::string name = fmt::format("test_{}_{}", ::getpid(), ++databases_);
  postgresql::load();
  soci::session admin(postgresql::backend_name, fmt::format("host=127.0.0.1 port={} dbname=postgres user={} password={}",
                                                    port_, user, password));
  admin << "CREATE DATABASE " + name;
  return url(name);
}

}  // namespace lifespan::data
