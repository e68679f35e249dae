#include "service/alert_store.hpp"

#include <sys/stat.h>

#include <fmt/format.h>
#include <soci/soci.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>

#include "delivery/outbox.hpp"

namespace vigil::service {
namespace {

std::string join(const std::vector<std::string>& items, bool wrap) {
  std::string out = wrap ? "," : "";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += items[i];
  }
  if (wrap) out += ',';
  return out;
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto comma = text.find(',', pos);
    if (comma == std::string::npos) comma = text.size();
    if (comma > pos) out.push_back(text.substr(pos, comma - pos));
    pos = comma + 1;
  }
  return out;
}

long long now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The columns every read selects, into vectors of `n` rows (64-bit columns as text: SOCI 4.0's SQLite
// backend reads INTEGER through 32 bits).
constexpr const char* columns =
    "SELECT CAST(seq AS TEXT), alert_key, CAST(at AS TEXT), client, country, method, path, status, user_agent,"
    " rule_ids, categories, model_score, severity, mode, kind, file, CAST(line_offset AS TEXT), anomaly_score, crs, proxy"
    " FROM vigil_alerts";

struct alert_rows {
  explicit alert_rows(std::size_t n)
      : seq(n), at(n), offset(n), status(n), level(n), anomaly(n), score(n), score_ind(n), anomaly_ind(n), key(n),
        cl(n), country(n), method(n), path(n), agent(n), rules(n), categories(n), mode(n), kind(n), file(n), crs(n),
        proxy(n) {}
  std::vector<std::string> seq, at, offset;
  std::vector<int> status, level, anomaly;
  std::vector<double> score;
  std::vector<soci::indicator> score_ind, anomaly_ind;
  std::vector<std::string> key, cl, country, method, path, agent, rules, categories, mode, kind, file, crs, proxy;

  // Binds every column of `columns`, in order.
  template <class Statement>
  void into(Statement& st) {
    st, soci::into(seq), soci::into(key), soci::into(at), soci::into(cl), soci::into(country), soci::into(method),
        soci::into(path), soci::into(status), soci::into(agent), soci::into(rules), soci::into(categories),
        soci::into(score, score_ind), soci::into(level), soci::into(mode), soci::into(kind), soci::into(file),
        soci::into(offset), soci::into(anomaly, anomaly_ind), soci::into(crs), soci::into(proxy);
  }

  alert get(std::size_t i) const {
    alert a;
    a.seq = std::stoll(seq[i]);
    a.key = key[i];
    a.time = std::stoll(at[i]);
    a.client = cl[i];
    a.country = country[i];
    a.method = method[i];
    a.path = path[i];
    a.status = status[i];
    a.user_agent = agent[i];
    a.rule_ids = split(rules[i]);
    a.categories = split(categories[i]);
    if (score_ind[i] == soci::i_ok) a.model_score = score[i];
    a.level = static_cast<severity>(std::clamp(level[i], 0, 4));
    a.mode = mode[i];
    a.kind = kind[i];
    a.file = file[i];
    a.offset = static_cast<std::uint64_t>(std::stoll(offset[i]));
    if (anomaly_ind[i] == soci::i_ok) a.anomaly_score = anomaly[i];
    a.crs = crs[i];
    a.proxy = proxy[i];
    return a;
  }
};

}  // namespace

std::vector<lifespan::data::migration> alert_store::migrations(lifespan::data::backend kind) {
  const bool pg = kind == lifespan::data::backend::postgresql;
  const std::string serial = pg ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT";
  const std::string big = pg ? "BIGINT" : "INTEGER";
  const std::string real = pg ? "DOUBLE PRECISION" : "REAL";
  return {{1,
           "CREATE TABLE IF NOT EXISTS vigil_alerts ("
           " seq " + serial + ","
           " alert_key TEXT NOT NULL UNIQUE,"
           " at " + big + " NOT NULL,"
           " client TEXT NOT NULL,"
           " country TEXT NOT NULL,"
           " method TEXT NOT NULL,"
           " path TEXT NOT NULL,"
           " status INTEGER NOT NULL,"
           " user_agent TEXT NOT NULL,"
           " rule_ids TEXT NOT NULL,"
           " categories TEXT NOT NULL,"
           " model_score " + real + ","
           " severity INTEGER NOT NULL,"
           " mode TEXT NOT NULL,"
           " kind TEXT NOT NULL,"
           " file TEXT NOT NULL,"
           " line_offset " + big + " NOT NULL,"
           " stored_at " + big + " NOT NULL);"
           "CREATE INDEX IF NOT EXISTS vigil_alerts_at ON vigil_alerts (at);"
           "CREATE INDEX IF NOT EXISTS vigil_alerts_client ON vigil_alerts (client);"},
          // CRS: the anomaly score and what each rule found (JSON), for alerts CRS raised; the proxy a
          // request came through (trusted_proxies).
          {2,
           "ALTER TABLE vigil_alerts ADD COLUMN anomaly_score INTEGER;"
           "ALTER TABLE vigil_alerts ADD COLUMN crs TEXT NOT NULL DEFAULT '';"
           "ALTER TABLE vigil_alerts ADD COLUMN proxy TEXT NOT NULL DEFAULT '';"}};
}

void alert_store::start(lifespan::context& ctx) {
  db_ = &ctx.get<lifespan::data::database>();
  db_->migrate("vigil_alerts", migrations(db_->kind()));
  db_->migrate("vigil_delivery", delivery::outbox::migrations(db_->kind()));
  if (db_->kind() != lifespan::data::backend::sqlite) return;
  std::string path;  // SQLite's own absolute name for the file; empty for an in-memory database
  {
    auto r = db_->reader();
    soci::rowset<soci::row> rows = (r->prepare << "PRAGMA database_list");
    for (const auto& row : rows)
      if (row.get<std::string>(1) == "main" && row.get_indicator(2) == soci::i_ok) path = row.get<std::string>(2);
  }
  struct stat st {};
  if (!path.empty() && ::stat(path.c_str(), &st) == 0)
    file_ = opened_file{path, static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
}

std::size_t alert_store::write(const std::vector<alert>& alerts, const std::function<void(soci::session&)>& also) {
  std::size_t added = 0;
  try {
    added = insert(alerts, also);
  } catch (const std::exception& e) {
    const std::string error = db_->scrub(e.what());
    record_write(&error);
    throw;
  }
  record_write(nullptr);
  if (added > 0) new_alerts_.notify(added);  // committed, and the writer connection is back in its pool
  return added;
}

void alert_store::record_write(const std::string* error) {
  std::lock_guard lock(failure_mutex_);
  if (!error) {
    failed_writes_ = 0;
    return;
  }
  if (failed_writes_++ == 0) failing_since_ = std::chrono::steady_clock::now();
  // Driver messages may quote the statement and its values: cut, on a UTF-8 character boundary (the
  // reason ends up in JSON).
  std::size_t shown = 300;
  if (error->size() <= shown) {
    last_error_ = *error;
    return;
  }
  while (shown > 0 && (static_cast<unsigned char>((*error)[shown]) & 0xC0) == 0x80) --shown;
  last_error_ = error->substr(0, shown) + "...";
}

std::optional<std::string> alert_store::file_problem() const {
  if (!file_) return std::nullopt;
  struct stat st {};
  if (::stat(file_->path.c_str(), &st) != 0)
    return fmt::format("the database file {} is gone ({}) while vigil writes to it: alerts stored now are lost when "
                       "vigil stops; put the file back, or restart vigil to create a new database there",
                       file_->path, std::strerror(errno));
  if (static_cast<std::uint64_t>(st.st_dev) != file_->device || static_cast<std::uint64_t>(st.st_ino) != file_->inode)
    return fmt::format("the database file {} was replaced while vigil runs (inode {} open, inode {} at the path): "
                       "alerts go to the old file; restart vigil to use the new one",
                       file_->path, file_->inode, static_cast<std::uint64_t>(st.st_ino));
  return std::nullopt;
}

std::optional<lifespan::health_report> alert_store::check_health(std::stop_token) {
  std::vector<std::string> problems;
  {
    std::lock_guard lock(failure_mutex_);
    if (failed_writes_ > 0)
      problems.push_back(fmt::format(
          "storing alerts failed {} times in a row over {} s (last error: {}); the pipeline retries, lines wait in "
          "the log files", failed_writes_,
          std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - failing_since_).count(),
          last_error_));
  }
  if (auto p = file_problem()) problems.push_back(std::move(*p));
  if (problems.empty()) return lifespan::health_report::ok();
  return lifespan::health_report::degraded(fmt::format("{}", fmt::join(problems, "; ")));
}

std::size_t alert_store::insert(const std::vector<alert>& alerts, const std::function<void(soci::session&)>& also) {
  auto w = db_->writer();
  soci::transaction tx(*w);
  std::size_t added = 0;
  if (!alerts.empty()) {
    std::string key, client, country, method, path, agent, rules, categories, mode, kind, file, crs, proxy;
    long long at = 0, offset = 0, stored = now_seconds();
    int status = 0, level = 0, anomaly = 0;
    double score = 0;
    soci::indicator score_ind = soci::i_null, anomaly_ind = soci::i_null;
    soci::statement st =
        (w->prepare << "INSERT INTO vigil_alerts (alert_key, at, client, country, method, path, status, user_agent,"
                       " rule_ids, categories, model_score, severity, mode, kind, file, line_offset, stored_at,"
                       " anomaly_score, crs, proxy)"
                       " VALUES (:key, :at, :client, :country, :method, :path, :status, :agent, :rules, :categories,"
                       " :score, :severity, :mode, :kind, :file, :offset, :stored, :anomaly, :crs, :proxy)"
                       " ON CONFLICT (alert_key) DO NOTHING",
         soci::use(key, "key"), soci::use(at, "at"), soci::use(client, "client"), soci::use(country, "country"),
         soci::use(method, "method"), soci::use(path, "path"), soci::use(status, "status"),
         soci::use(agent, "agent"), soci::use(rules, "rules"), soci::use(categories, "categories"),
         soci::use(score, score_ind, "score"), soci::use(level, "severity"), soci::use(mode, "mode"),
         soci::use(kind, "kind"), soci::use(file, "file"), soci::use(offset, "offset"), soci::use(stored, "stored"),
         soci::use(anomaly, anomaly_ind, "anomaly"), soci::use(crs, "crs"), soci::use(proxy, "proxy"));
    // One outbox row per registered delivery sink for each new alert, in this same transaction.
    soci::statement enqueue = (w->prepare << delivery::outbox::enqueue_sql(), soci::use(key, "key"));
    for (const auto& a : alerts) {
      key = a.key;
      at = a.time;
      client = a.client;
      country = a.country;
      method = a.method;
      path = a.path;
      status = a.status;
      agent = a.user_agent;
      rules = join(a.rule_ids, false);
      categories = join(a.categories, true);
      score = a.model_score.value_or(0.0);
      score_ind = a.model_score ? soci::i_ok : soci::i_null;
      level = static_cast<int>(a.level);
      mode = a.mode;
      kind = a.kind;
      file = a.file;
      offset = static_cast<long long>(a.offset);
      anomaly = a.anomaly_score.value_or(0);
      anomaly_ind = a.anomaly_score ? soci::i_ok : soci::i_null;
      crs = a.crs;
      proxy = a.proxy;
      st.execute(true);
      if (st.get_affected_rows() > 0) {
        ++added;
        enqueue.execute(true);
      }
    }
  }
  if (also) also(*w);
  tx.commit();
  return added;
}

alert_page alert_store::query(const alert_query& q) {
  const int limit = std::clamp(q.limit, 1, 1000);
  std::string sql = std::string(columns) + " WHERE 1 = 1";
  // Numbers are formatted here (they are integers, not text); strings are bound.
  if (q.before) sql += " AND seq < " + std::to_string(*q.before);
  if (q.since) sql += " AND at >= " + std::to_string(*q.since);
  if (q.until) sql += " AND at < " + std::to_string(*q.until);
  if (q.min_severity) sql += " AND severity >= " + std::to_string(static_cast<int>(*q.min_severity));
  // Category and rule match whole names exactly (case included): the needle ",name," is looked up in
  // the stored ",a,b," list by position, never by LIKE (whose % and _ are wildcards, and which SQLite
  // compares without case). An empty name or one holding a comma matches nothing: no stored name is.
  const auto impossible = [](const std::optional<std::string>& name) {
    return name && (name->empty() || name->find(',') != std::string::npos);
  };
  if (impossible(q.category) || impossible(q.rule)) return {};
  std::string client = q.client.value_or("");
  std::string category = q.category ? "," + *q.category + "," : "", rule = q.rule ? "," + *q.rule + "," : "";
  const std::string position = db_->kind() == lifespan::data::backend::postgresql ? "strpos" : "instr";
  sql += " AND (:client_a = '' OR client = :client_b)";
  sql += " AND (:category_a = '' OR " + position + "(categories, :category_b) > 0)";
  sql += " AND (:rule_a = '' OR " + position + "(',' || rule_ids || ',', :rule_b) > 0)";
  // Qualified: PostgreSQL would otherwise sort by the output column "seq", which is the text cast.
  sql += " ORDER BY vigil_alerts.seq DESC LIMIT " + std::to_string(limit + 1);

  alert_rows c(static_cast<std::size_t>(limit) + 1);
  auto r = db_->reader();
  {
    auto st = (*r << sql);
    c.into(st);
    st, soci::use(client, "client_a"), soci::use(client, "client_b"), soci::use(category, "category_a"),
        soci::use(category, "category_b"), soci::use(rule, "rule_a"), soci::use(rule, "rule_b");
  }
  alert_page page;
  const std::size_t got = c.seq.size();
  for (std::size_t i = 0; i < got && i < static_cast<std::size_t>(limit); ++i) page.alerts.push_back(c.get(i));
  if (got > static_cast<std::size_t>(limit) && !page.alerts.empty()) page.next_cursor = page.alerts.back().seq;
  return page;
}

std::vector<alert> alert_store::fetch(const std::vector<std::int64_t>& seqs) {
  std::vector<alert> out;
  if (seqs.empty()) return out;
  std::string list;
  for (std::size_t i = 0; i < seqs.size(); ++i) list += (i ? "," : "") + std::to_string(seqs[i]);
  alert_rows c(seqs.size() + 1);  // never 1: SOCI 4.0 leaves one-row vectors unresized when no row matches
  auto r = db_->reader();
  {
    auto st = (*r << std::string(columns) + " WHERE seq IN (" + list + ") ORDER BY vigil_alerts.seq");
    c.into(st);
  }
  for (std::size_t i = 0; i < c.seq.size(); ++i) out.push_back(c.get(i));
  return out;
}

std::int64_t alert_store::count() {
  std::string n;
  auto r = db_->reader();
  *r << "SELECT CAST(COUNT(*) AS TEXT) FROM vigil_alerts", soci::into(n);
  return std::stoll(n);
}

// Three GROUP BY queries in one read; counts come back as text (see query()). Categories are stored
// joined (",sqli,xss,"), so the database groups by that set and the sets are split and summed here:
// the rows are as many as distinct category sets, not alerts.
alert_stats alert_store::stats(std::int64_t since, std::int64_t until, int top) {
  const std::string where = " FROM vigil_alerts WHERE at >= " + std::to_string(since) + " AND at < " + std::to_string(until);
  alert_stats out;
  auto r = db_->reader();
  soci::rowset<soci::row> severities =
      (r->prepare << "SELECT CAST(severity AS TEXT), CAST(COUNT(*) AS TEXT)" + where + " GROUP BY severity");
  for (const auto& row : severities) {
    const auto level = std::clamp(std::stoi(row.get<std::string>(0)), 0, 4);
    const auto n = std::stoll(row.get<std::string>(1));
    out.by_severity[level] += n;
    out.total += n;
  }
  std::map<std::string, std::int64_t> categories;
  soci::rowset<soci::row> sets = (r->prepare << "SELECT categories, CAST(COUNT(*) AS TEXT)" + where + " GROUP BY categories");
  for (const auto& row : sets) {
    const auto n = std::stoll(row.get<std::string>(1));
    for (auto& c : split(row.get<std::string>(0))) categories[c] += n;
  }
  out.by_category.assign(categories.begin(), categories.end());
  std::stable_sort(out.by_category.begin(), out.by_category.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  soci::rowset<soci::row> clients =
      (r->prepare << "SELECT client, CAST(COUNT(*) AS TEXT)" + where + " GROUP BY client ORDER BY COUNT(*) DESC, client LIMIT " +
                         std::to_string(std::clamp(top, 1, 1000)));
  for (const auto& row : clients) out.top_clients.emplace_back(row.get<std::string>(0), std::stoll(row.get<std::string>(1)));
  return out;
}

}  // namespace vigil::service
