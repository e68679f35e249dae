#pragma once
// Where a routed request's handler runs: the seam between a connection (its I/O strand) and the
// handlers. The route chooses (router.hpp's execution):
//   inline_  the handler runs now, on the calling I/O thread, and `done` is called before execute()
//            returns;
//   async    the handler starts now, on the calling I/O thread, and returns; its responder later hands
//            the answer to `done` through the server's async_gate (async_gate.hpp), from any thread;
//   pool     a job is queued on the handler pool (handler_pool.hpp); a handler thread runs the handler
//            and posts `done` to the connection's strand, where the response is written. With the
//            queue full nothing runs and `done` is never called (the caller answers 503).
// Whatever runs the handler, `done` runs on the connection's strand, so a connection sees its
// request's response in the same place as every other event of its own.
//
// A job whose call was given up (its stop requested: the deadline, the drain deadline, stop()) before a
// handler thread took it does not call the handler and drops `done`: the connection has answered already.
#include <functional>
#include <memory>

#include "dispatch.hpp"
#include "io_pool.hpp"

namespace lifespan::http::detail {

enum class started { done, queued, queue_full };
using completion = std::function<void(http::response)>;

started execute(server_state& s, std::shared_ptr<call> c, strand on, completion done);

}  // namespace lifespan::http::detail
