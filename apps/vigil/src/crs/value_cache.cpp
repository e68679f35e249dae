// value_cache: a flat memo table over two arenas (see value_cache.hpp).
#include "crs/value_cache.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

namespace vigil::crs {
namespace {

constexpr std::uint64_t multiplier = 0x9e3779b97f4a7c15ull;

std::uint64_t mix(std::uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  return h ^ (h >> 33);
}

}  // namespace

std::uint64_t hash_bytes(std::string_view bytes, std::uint64_t seed) {
  std::uint64_t h = mix(seed ^ (bytes.size() * multiplier));
  std::size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, bytes.data() + i, 8);
    h = std::rotl((h ^ word) * multiplier, 29);
  }
  if (i < bytes.size()) {
    std::uint64_t word = 0;
    std::memcpy(&word, bytes.data() + i, bytes.size() - i);
    h = std::rotl((h ^ word) * multiplier, 29);
  }
  return mix(h);
}

value_cache::value_cache(std::size_t budget_bytes, std::size_t max_key, std::size_t slots)
    : fingerprints_(std::bit_ceil(std::max<std::size_t>(slots, probe_length)), 0),
      slots_(fingerprints_.size()),
      mask_(slots_.size() - 1),
      budget_(budget_bytes),
      max_key_(max_key) {}

value_cache::lookup value_cache::prepare(std::uint64_t tag, std::string_view value) const {
  lookup l{tag, value, 0, value.size() <= max_key_};
  if (l.storable) l.hash = hash_bytes(value, tag);
  return l;
}

const value_cache::slot* value_cache::locate(const lookup& l) const {
  if (!l.storable || size_ == 0) return nullptr;
  const std::uint16_t f = fingerprint(l.hash);
  for (std::size_t k = 0; k < probe_length; ++k) {
    const std::size_t at = (l.hash + k) & mask_;
    if (fingerprints_[at] != f) continue;
    const slot& s = slots_[at];
    if (s.hash == l.hash && s.tag == l.tag && s.key_size == l.value.size() &&
        std::memcmp(keys_.data() + s.key_offset, l.value.data(), l.value.size()) == 0)
      return &s;
  }
  return nullptr;
}

bool value_cache::find(const lookup& l, std::span<const std::uint32_t>& answer) const {
  const slot* s = locate(l);
  if (!s) return false;
  answer = std::span<const std::uint32_t>(answers_.data() + s->answer_offset, s->answer_size);
  return true;
}

void value_cache::insert(const lookup& l, std::span<const std::uint32_t> answer) {
  if (!l.storable || locate(l)) return;
  if (keys_.size() + l.value.size() > budget_ || (answers_.size() + answer.size()) * 4 > budget_) clear();
  // The first empty slot of the probe, else the oldest entry in it.
  std::size_t victim_at = 0;
  slot* victim = nullptr;
  for (std::size_t k = 0; k < probe_length; ++k) {
    const std::size_t at = (l.hash + k) & mask_;
    slot& s = slots_[at];
    if (fingerprints_[at] == 0) {
      victim = &s;
      victim_at = at;
      ++size_;
      break;
    }
    if (!victim || s.stamp < victim->stamp) {
      victim = &s;
      victim_at = at;
    }
  }
  fingerprints_[victim_at] = fingerprint(l.hash);
  victim->hash = l.hash;
  victim->tag = l.tag;
  victim->key_offset = static_cast<std::uint32_t>(keys_.size());
  victim->key_size = static_cast<std::uint32_t>(l.value.size());
  victim->answer_offset = static_cast<std::uint32_t>(answers_.size());
  victim->answer_size = static_cast<std::uint32_t>(answer.size());
  victim->stamp = ++stamp_;
  keys_.append(l.value);
  answers_.insert(answers_.end(), answer.begin(), answer.end());
}

void value_cache::clear() {
  std::fill(fingerprints_.begin(), fingerprints_.end(), std::uint16_t{0});
  std::fill(slots_.begin(), slots_.end(), slot{});
  keys_.clear();
  answers_.clear();
  size_ = 0;
}

}  // namespace vigil::crs
