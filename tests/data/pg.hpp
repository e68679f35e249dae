#pragma once
// The test program's PostgreSQL server: started on first use, stopped by a GoogleTest global
// environment when the program ends, so tests that need no server pay nothing.
#include "lifespan/data/test_server.hpp"

namespace lifespan::test {

data::test_server& pg();  // running (started if needed)
data::test_server& pg_unstarted();  // for fault injection: may be stopped

}  // namespace lifespan::test
