#pragma once
// Write errors that operators can act on. With SIGXFSZ ignored (service_options::own_signals), a file
// that reaches the process's file-size limit (`ulimit -f`, systemd's LimitFSIZE=) fails with EFBIG
// instead of killing the process; these messages name the file, the cause (with the limit in bytes)
// and the fix, so a component can report itself degraded with them and retry.
#include <filesystem>
#include <string>

namespace lifespan {

// "cannot write /var/lib/vigil/vigil.db-wal: the file-size limit of 65536 bytes (RLIMIT_FSIZE, `ulimit
// -f`, LimitFSIZE=) is reached; raise or remove the limit, or move the file away". Names ENOSPC, EDQUOT,
// EROFS and EACCES likewise; any other error by its strerror text.
std::string describe_write_error(const std::filesystem::path& file, int error);

// Ignores SIGXFSZ unless someone installed a handler, so that the file-size limit is an EFBIG error;
// idempotent, any thread. The service calls it on construction when it owns signals.
void ignore_file_size_signal() noexcept;

}  // namespace lifespan
