// The HTTP tests' raw-socket client, compiled into this test program too (it is not a library).
#include "http/client.cpp"
