#pragma once
// What a connection enforces on a request beyond Boost 1.81's Beast parser, which bounds the header
// and the body but neither chunk extensions nor trailers, and which treats a Transfer-Encoding whose
// last coding is not `chunked` as "no body", so that the body would be read as the next request.
//
//  - Framing (RFC 9112 sections 6.1 and 6.3), checked once the header is in, before any body byte is
//    read: Transfer-Encoding must be a lone, final `chunked`. Any other coding before it is 501 (not
//    implemented); `chunked` missing, repeated or not last, a malformed list, Transfer-Encoding together
//    with Content-Length, or in an HTTP/1.0 request, is 400. Either way the connection then closes.
//  - One byte budget per request for everything that is not body: the header, every chunk's
//    extensions and the trailer together get at most max_header_bytes; beyond it, 431 and a close.
//    The connection's read buffer is bounded too (max_header_bytes + a read's worth), so a single
//    chunk line or trailer that never ends cannot grow memory: Beast reports buffer_overflow, also 431.
//
// Everything here runs on the connection's strand, per request.
#include <cstddef>
#include <optional>
#include <string>

#include <boost/system/error_code.hpp>

#include "exchange.hpp"
#include "lifespan/http/server.hpp"

namespace lifespan::http::detail {

// 400 or 501 with the reason when the request's framing is refused (see above); nullopt when it is fine.
std::optional<http::response> check_framing(const beast_request& req);

// The bytes of the request line and of the fields parsed so far (the trailer's too once it is read),
// with their CRLFs: what the request spent of its header budget (whitespace around values aside).
std::size_t head_bytes(const beast_request& req);

// A request's budget of non-body bytes; reset for each request.
class head_budget {
 public:
  explicit head_budget(std::size_t limit) noexcept : limit_(limit) {}
  void header_done(const beast_request& req) noexcept {
    header_ = head_bytes(req);
    spent_ = header_;
  }
  // A chunk's extensions; false once the request is over budget.
  bool spend(std::size_t n) noexcept {
    spent_ += n;
    return spent_ <= limit_;
  }
  // Once the message is complete: its trailer is whatever fields came after the header's.
  bool trailer_fits(const beast_request& req) noexcept {
    const auto now = head_bytes(req);
    return spend(now > header_ ? now - header_ : 0);
  }

 private:
  std::size_t limit_;
  std::size_t header_ = 0;
  std::size_t spent_ = 0;
};

// The connection's read buffer limit for these options (see above).
std::size_t read_buffer_limit(const server::options& o) noexcept;

// The answer to a request that could not be read: 408 when `timed_out` (the phase's deadline passed,
// `in_header` tells which phase), 431 over the header budget (or the read buffer), 413 over
// max_body_bytes, 400 for a malformed request; nullopt when there is nobody to answer (the client
// closed or reset, or sent a partial message and went away): just close.
std::optional<http::response> read_error_response(const server::options& o, boost::system::error_code ec, bool in_header,
                                                  bool timed_out);

}  // namespace lifespan::http::detail
