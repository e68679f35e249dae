#include "telemetry_sink.hpp"

#include <fmt/format.h>
#include <soci/soci.h>

#include <charconv>

#include "lifespan/data/database.hpp"
#include "native.hpp"

namespace lifespan::data {
namespace {

constexpr const char* sqlite_insert =
    "INSERT INTO telemetry_events (origin, seq, at_us, kind, payload) VALUES (:o, :s, :a, :k, :p) "
    "ON CONFLICT DO NOTHING";
constexpr const char* postgresql_insert =
    "INSERT INTO telemetry_events (origin, seq, at_us, kind, payload) SELECT * FROM unnest(CAST(:o AS bigint[]), "
    "CAST(:s AS bigint[]), CAST(:a AS bigint[]), CAST(:k AS text[]), CAST(:p AS text[])) ON CONFLICT DO NOTHING";

void append_number(std::string& out, long long v) {
  char buffer[24];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
  (void)ec;
  out.append(buffer, end);
}

// Appends `s` with NUL and invalid UTF-8 (which PostgreSQL text cannot hold) replaced by '?', and each
// ASCII character through `ascii` (the caller's escaping).
template <class Ascii>
void append_sanitised(std::string& out, const std::string& s, Ascii ascii) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  for (std::size_t i = 0; i < n;) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      if (c == 0) out += '?';
      else ascii(out, static_cast<char>(c));
      ++i;
      continue;
    }
    std::size_t len = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool valid = len != 0 && i + len <= n;
    for (std::size_t k = 1; valid && k < len; ++k) valid = (p[i + k] & 0xC0) == 0x80;
    if (!valid) {
      out += '?';
      ++i;
    } else {
      out.append(s, i, len);
      i += len;
    }
  }
}

// A text[] element: quoted, with \ and " escaped.
void append_text(std::string& out, const std::string& s) {
  out += '"';
  append_sanitised(out, s, [](std::string& o, char c) {
    if (c == '"' || c == '\\') o += '\\';
    o += c;
  });
  out += '"';
}

// A COPY text-format field: backslash, tab, newline and carriage return escaped.
void append_copy_text(std::string& out, const std::string& s) {
  append_sanitised(out, s, [](std::string& o, char c) {
    switch (c) {
      case '\\': o += "\\\\"; break;
      case '\t': o += "\\t"; break;
      case '\n': o += "\\n"; break;
      case '\r': o += "\\r"; break;
      default: o += c;
    }
  });
}

}  // namespace

const char* telemetry_table_ddl() {
  return "CREATE TABLE IF NOT EXISTS telemetry_events (origin BIGINT NOT NULL, seq BIGINT NOT NULL, at_us BIGINT "
         "NOT NULL, kind TEXT NOT NULL, payload TEXT NOT NULL, PRIMARY KEY (origin, seq))";
}

telemetry_sink::telemetry_sink(database& db, bool postgresql_copy) : db_(db), postgresql_copy_(postgresql_copy) {}
telemetry_sink::~telemetry_sink() = default;

void telemetry_sink::insert(std::span<telemetry_item> items, bool fresh) {
  if (items.empty()) return;
  if (db_.kind() == backend::sqlite) insert_sqlite(items);
  else if (fresh && postgresql_copy_) copy_postgresql(items);
  else insert_postgresql(items);
}

void telemetry_sink::copy_postgresql(std::span<telemetry_item> items) {
  copy_rows_.clear();
  for (const auto& item : items) {
    append_number(copy_rows_, item.origin);
    copy_rows_ += '\t';
    append_number(copy_rows_, item.seq);
    copy_rows_ += '\t';
    append_number(copy_rows_, item.at_us);
    copy_rows_ += '\t';
    append_copy_text(copy_rows_, item.kind);
    copy_rows_ += '\t';
    append_copy_text(copy_rows_, item.payload);
    copy_rows_ += '\n';
  }
  session_lease lease = db_.writer();
  native::pg_copy(*lease, "COPY telemetry_events (origin, seq, at_us, kind, payload) FROM STDIN", copy_rows_);
}

void telemetry_sink::insert_sqlite(std::span<telemetry_item> items) {
  origin_.clear();
  seq_.clear();
  at_.clear();
  kind_.clear();
  payload_.clear();
  for (auto& item : items) {
    origin_.push_back(item.origin);
    seq_.push_back(item.seq);
    at_.push_back(item.at_us);
    kind_.push_back(std::move(item.kind));
    payload_.push_back(std::move(item.payload));
  }
  try {
    session_lease lease = db_.writer();
    soci::session& session = *lease;
    soci::transaction transaction(session);
    soci::statement statement = (session.prepare << sqlite_insert, soci::use(origin_), soci::use(seq_),
                                 soci::use(at_), soci::use(kind_), soci::use(payload_));
    statement.execute(true);
    transaction.commit();
  } catch (...) {
    for (std::size_t i = 0; i < items.size(); ++i) {
      items[i].kind = std::move(kind_[i]);
      items[i].payload = std::move(payload_[i]);
    }
    throw;
  }
}

void telemetry_sink::insert_postgresql(std::span<telemetry_item> items) {
  for (auto& a : arrays_) {
    a.clear();
    a += '{';
  }
  for (std::size_t i = 0; i < items.size(); ++i) {
    const auto& item = items[i];
    if (i > 0)
      for (auto& a : arrays_) a += ',';
    append_number(arrays_[0], item.origin);
    append_number(arrays_[1], item.seq);
    append_number(arrays_[2], item.at_us);
    append_text(arrays_[3], item.kind);
    append_text(arrays_[4], item.payload);
  }
  for (auto& a : arrays_) a += '}';
  session_lease lease = db_.writer();
  soci::session& session = *lease;
  soci::transaction transaction(session);
  session << postgresql_insert, soci::use(arrays_[0]), soci::use(arrays_[1]), soci::use(arrays_[2]),
      soci::use(arrays_[3]), soci::use(arrays_[4]);
  transaction.commit();
}

}  // namespace lifespan::data
