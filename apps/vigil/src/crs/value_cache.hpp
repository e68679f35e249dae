#pragma once
// A bounded per-thread memo from byte strings to what a pure function of them gave: the prefilter's
// candidate rules for one request value, a probe's "no effect" for one rule and value. Logs repeat
// their values (a site has a few hundred User-Agents, its pages, its Referers), so most lookups of
// such values hit; a value seen once costs one lookup and one insert, so both must be cheap.
//
// Layout: a fixed table of slots (open addressing, a short linear probe, the oldest of the probed
// slots replaced when all are taken) and two arenas, one for the keys' bytes and one for the
// answers (a list of 32-bit numbers, empty for a plain "yes"). A lookup hashes the value in place
// (no key is built) and first reads a compact array of 16-bit fingerprints (one per slot, 16 KB):
// most misses end there, in cache, and a hit then touches one slot and the stored key it compares
// with. Nothing is allocated per entry. When an arena passes its budget, the whole memo is cleared: what repeats comes back
// within a few lines. Values longer than `max_key` are not stored: long values rarely repeat.
//
// An entry is found only for the same tag and the same bytes (compared in full): answers are exact.
// Not thread-safe: one per thread.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::crs {

class value_cache {
 public:
  // `slots` is rounded up to a power of two.
  explicit value_cache(std::size_t budget_bytes = std::size_t{1} << 20, std::size_t max_key = 512,
                       std::size_t slots = std::size_t{1} << 13);

  // A value looked up under a tag (a rule, a variable kind), hashed once for find and insert. The
  // value's bytes must stay valid until insert.
  struct lookup {
    std::uint64_t tag = 0;
    std::string_view value;
    std::uint64_t hash = 0;
    bool storable = false;  // short enough to be stored
  };
  lookup prepare(std::uint64_t tag, std::string_view value) const;

  // The answer stored for the lookup's tag and value, or false.
  bool find(const lookup& l, std::span<const std::uint32_t>& answer) const;
  bool contains(const lookup& l) const {
    std::span<const std::uint32_t> ignored;
    return find(l, ignored);
  }
  // Stores the answer (ignored for a lookup that is not storable).
  void insert(const lookup& l, std::span<const std::uint32_t> answer = {});

  std::size_t size() const { return size_; }
  std::size_t hits() const { return hits_; }
  void count_hit() { ++hits_; }

 private:
  struct slot {
    std::uint64_t hash = 0;
    std::uint64_t tag = 0;
    std::uint32_t key_offset = 0, key_size = 0;
    std::uint32_t answer_offset = 0, answer_size = 0;
    std::uint64_t stamp = 0;  // insertion order, for replacement
  };
  static constexpr std::size_t probe_length = 4;
  const slot* locate(const lookup& l) const;
  void clear();

  static std::uint16_t fingerprint(std::uint64_t hash) { return static_cast<std::uint16_t>(hash >> 48) | 1; }
  std::vector<std::uint16_t> fingerprints_;  // per slot: 0 empty, else fingerprint(its hash)
  std::vector<slot> slots_;
  std::size_t mask_;
  std::string keys_;
  std::vector<std::uint32_t> answers_;
  std::size_t budget_, max_key_, size_ = 0, hits_ = 0;
  std::uint64_t stamp_ = 0;
};

// A fast 64-bit hash of `bytes` mixed with `seed`, for value_cache.
std::uint64_t hash_bytes(std::string_view bytes, std::uint64_t seed);

}  // namespace vigil::crs
