// HTTPS against a real TLS server (`openssl s_server -www` with a self-signed certificate made by the
// test): trusted through ca_file it answers; without it the verification failure is final (no retry)
// and the error says what is wrong.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "common/spawned_process.hpp"
#include "fixture.hpp"

namespace lifespan::http_client::testing {
namespace {

unsigned short free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

bool accepts(unsigned short port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

class HttpClientTls : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("lifespan_http_client_tls_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    cert_ = (dir_ / "cert.pem").string();
    const auto key = (dir_ / "key.pem").string();
    lifespan::test::spawned_process make_cert({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                                               "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj",
                                               "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout",
                                               key, "-out", cert_},
                                              {}, dir_ / "req.log", false);
    ASSERT_EQ(make_cert.wait(std::chrono::seconds(30)), 0) << "openssl req failed; see " << (dir_ / "req.log");
    port_ = free_port();
    server_ = std::make_unique<lifespan::test::spawned_process>(
        std::vector<std::string>{"/usr/bin/openssl", "s_server", "-quiet", "-www", "-accept",
                                 "127.0.0.1:" + std::to_string(port_), "-cert", cert_, "-key", key},
        std::vector<std::string>{}, dir_ / "server.log", false);
    // Await the listening socket (the server's start is an external event with no other signal).
    const auto until = std::chrono::steady_clock::now() + 20s;
    while (!accepts(port_)) {
      ASSERT_LT(std::chrono::steady_clock::now(), until) << "openssl s_server did not listen; see " << (dir_ / "server.log");
      std::this_thread::sleep_for(20ms);
    }
  }
  void TearDown() override {
    server_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_) + "/"; }

  std::filesystem::path dir_;
  std::string cert_;
  unsigned short port_ = 0;
  std::unique_ptr<lifespan::test::spawned_process> server_;
};

TEST_F(HttpClientTls, TrustedThroughCaFileItAnswers) {
  running_client rc({"http_client.ca_file=" + cert_});
  const auto r = call(rc.get(), request::get(url()));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("s_server"), std::string::npos) << r.body;
}

TEST_F(HttpClientTls, UntrustedCertificateIsFinalAndSaysSo) {
  running_client rc({"http_client.backoff_initial=10ms"});
  const auto r = call(rc.get(), request::get(url()));
  EXPECT_EQ(r.outcome, outcome::transport);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_NE(r.error.find("certificate"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("GET " + url()), std::string::npos) << r.error;
}

}  // namespace
}  // namespace lifespan::http_client::testing
