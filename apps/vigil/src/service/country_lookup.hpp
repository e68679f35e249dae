#pragma once
// The seam for GeoIP: the country of a client address. The pipeline holds at most one lookup
// (pipeline::set_country_lookup) as an immutable snapshot: it loads the snapshot once per batch and
// keeps it until the batch is done, so a replacement never disturbs a batch in progress and the old
// database is released by whichever holder lets go of it last. Implementations must be thread-safe.
#include <string>
#include <string_view>

namespace vigil::service {

class country_lookup {
 public:
  virtual ~country_lookup() = default;
  // ISO 3166-1 alpha-2 code ("FR") of `address` (IPv4 or IPv6 text, as nginx logs $remote_addr);
  // empty when the address is unknown to the database or is not an address at all. Never throws.
  virtual std::string country(std::string_view address) const = 0;
};

}  // namespace vigil::service
