#include "delivery/outbox.hpp"

#include <soci/soci.h>

#include <algorithm>
#include <chrono>
#include <unordered_map>

#include "service/alert_store.hpp"

namespace vigil::delivery {
namespace {

long long now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string id_list(const std::vector<std::int64_t>& ids) {
  std::string out;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(ids[i]);  // integers from our own rows: formatted, not bound
  }
  return out;
}

}  // namespace

std::vector<lifespan::data::migration> outbox::migrations(lifespan::data::backend kind) {
  const bool pg = kind == lifespan::data::backend::postgresql;
  const std::string serial = pg ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT";
  const std::string big = pg ? "BIGINT" : "INTEGER";
  return {{1,
           "CREATE TABLE IF NOT EXISTS vigil_delivery_sinks ("
           " name TEXT PRIMARY KEY,"
           " holder TEXT NOT NULL,"
           " lease_until " + big + " NOT NULL,"
           " registered_at " + big + " NOT NULL);"
           "CREATE TABLE IF NOT EXISTS vigil_delivery_outbox ("
           " id " + serial + ","
           " sink TEXT NOT NULL,"
           " alert_seq " + big + " NOT NULL);"
           "CREATE INDEX IF NOT EXISTS vigil_delivery_outbox_sink ON vigil_delivery_outbox (sink, id);"}};
}

const char* outbox::enqueue_sql() {
  return "INSERT INTO vigil_delivery_outbox (sink, alert_seq)"
         " SELECT s.name, a.seq FROM vigil_delivery_sinks s CROSS JOIN vigil_alerts a WHERE a.alert_key = :key";
}

outbox::outbox(service::alert_store& store) : store_(store) {}

void outbox::register_sink(const std::string& sink) {
  auto w = store_.database().writer();
  long long at = now_ms() / 1000;
  std::string name = sink, nobody;
  long long expired = 0;
  *w << "INSERT INTO vigil_delivery_sinks (name, holder, lease_until, registered_at)"
        " VALUES (:name, :holder, :until, :at) ON CONFLICT (name) DO NOTHING",
      soci::use(name, "name"), soci::use(nobody, "holder"), soci::use(expired, "until"), soci::use(at, "at");
}

std::int64_t outbox::unregister_sink(const std::string& sink) {
  auto w = store_.database().writer();
  soci::transaction tx(*w);
  std::string name = sink;
  soci::statement rows = (w->prepare << "DELETE FROM vigil_delivery_outbox WHERE sink = :name", soci::use(name, "name"));
  rows.execute(true);
  const auto removed = rows.get_affected_rows();
  *w << "DELETE FROM vigil_delivery_sinks WHERE name = :name", soci::use(name, "name");
  tx.commit();
  return removed;
}

std::vector<std::string> outbox::sinks() {
  auto r = store_.database().reader();
  soci::rowset<std::string> rows = (r->prepare << "SELECT name FROM vigil_delivery_sinks ORDER BY name");
  return {rows.begin(), rows.end()};
}

bool outbox::hold(const std::string& sink, const std::string& holder, lifespan::duration lease) {
  auto w = store_.database().writer();
  std::string name = sink, me_a = holder, me_b = holder;
  long long now = now_ms();
  long long until = now + std::chrono::duration_cast<std::chrono::milliseconds>(lease).count();
  // On PostgreSQL a concurrent claimant waits for the row lock, then re-evaluates the condition and
  // finds the lease taken: exactly one replica holds it.
  soci::statement st =
      (w->prepare << "UPDATE vigil_delivery_sinks SET holder = :me_a, lease_until = :until"
                     " WHERE name = :name AND (holder = :me_b OR lease_until < :now)",
       soci::use(me_a, "me_a"), soci::use(until, "until"), soci::use(name, "name"), soci::use(me_b, "me_b"),
       soci::use(now, "now"));
  st.execute(true);
  return st.get_affected_rows() == 1;
}

void outbox::release(const std::string& sink, const std::string& holder) {
  auto w = store_.database().writer();
  std::string name = sink, me = holder;
  *w << "UPDATE vigil_delivery_sinks SET lease_until = 0 WHERE name = :name AND holder = :me", soci::use(name, "name"),
      soci::use(me, "me");
}

outbox::batch outbox::next(const std::string& sink, std::size_t limit) {
  batch out;
  std::vector<std::int64_t> ids, seqs;
  {
    auto r = store_.database().reader();
    const std::size_t n = std::max<std::size_t>(limit, 1);
    // 64-bit as text: SOCI 4.0's SQLite backend reads INTEGER as 32 bits. At least 2 elements: SOCI does
    // not shrink a 1-element vector when no row comes back (batch_size 1 then failed with "stoll").
    std::vector<std::string> id(std::max<std::size_t>(n, 2)), seq(std::max<std::size_t>(n, 2));
    std::string name = sink;
    *r << "SELECT CAST(id AS TEXT), CAST(alert_seq AS TEXT) FROM vigil_delivery_outbox WHERE sink = :name"
          " ORDER BY vigil_delivery_outbox.id LIMIT " + std::to_string(n),
        soci::into(id), soci::into(seq), soci::use(name, "name");
    for (std::size_t i = 0; i < id.size(); ++i) {
      ids.push_back(std::stoll(id[i]));
      seqs.push_back(std::stoll(seq[i]));
    }
  }
  if (ids.empty()) return out;
  auto found = store_.fetch(seqs);
  std::unordered_map<std::int64_t, std::size_t> by_seq;
  for (std::size_t i = 0; i < found.size(); ++i) by_seq.emplace(found[i].seq, i);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    auto it = by_seq.find(seqs[i]);
    if (it == by_seq.end()) {
      out.orphans.push_back(ids[i]);
      continue;
    }
    out.alerts.push_back(found[it->second]);
    out.ids.push_back(ids[i]);
  }
  return out;
}

void outbox::remove(const std::vector<std::int64_t>& ids) {
  if (ids.empty()) return;
  auto w = store_.database().writer();
  *w << "DELETE FROM vigil_delivery_outbox WHERE id IN (" + id_list(ids) + ")";
}

std::int64_t outbox::backlog(const std::string& sink) {
  auto r = store_.database().reader();
  std::string n, name = sink;
  *r << "SELECT CAST(COUNT(*) AS TEXT) FROM vigil_delivery_outbox WHERE sink = :name", soci::into(n),
      soci::use(name, "name");
  return std::stoll(n);
}

std::int64_t outbox::trim(const std::string& sink, std::int64_t bound) {
  const auto excess = backlog(sink) - std::max<std::int64_t>(bound, 0);
  if (excess <= 0) return 0;
  auto w = store_.database().writer();
  std::string name_a = sink, name_b = sink;
  soci::statement st =
      (w->prepare << "DELETE FROM vigil_delivery_outbox WHERE sink = :name_a AND id IN (SELECT id FROM"
                     " vigil_delivery_outbox WHERE sink = :name_b ORDER BY id LIMIT " + std::to_string(excess) + ")",
       soci::use(name_a, "name_a"), soci::use(name_b, "name_b"));
  st.execute(true);
  return st.get_affected_rows();
}

}  // namespace vigil::delivery
