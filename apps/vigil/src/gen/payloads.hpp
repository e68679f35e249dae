#pragma once
// Vocabulary of the traffic generator: benign pages, agents and queries, and attack requests of
// every signature category. Attack payloads are drawn from templates with random parts and then
// encoded the way real tools send them (raw where a client would, percent-encoded once or twice,
// '+' for spaces, mixed case), so detection is measured on variants, not on fixed strings.
#include <string>
#include <string_view>
#include <vector>

#include "gen/random.hpp"

namespace vigil {

struct gen_request {
  std::string method = "GET";
  std::string target;
  int status = 200;
  std::int64_t bytes = 0;
  std::string referer;  // empty: logged as "-"
  std::string agent;    // empty: the actor's own agent; "-": none
  std::string raw;      // when set, the whole request line as received (binary junk, other protocols)
};

// Signature categories the generator produces (the default rules cover each).
const std::vector<std::string_view>& attack_categories();
// Per-client behaviour labels the generator produces.
const std::vector<std::string_view>& behaviour_labels();

gen_request attack_request(std::string_view category, seeded_random& rng);

const std::vector<std::string>& browser_agents();
const std::vector<std::string>& crawler_agents();
const std::vector<std::string>& tool_agents();
const std::vector<std::string>& scanner_agents();

gen_request benign_page(seeded_random& rng, const std::string& previous_page);
gen_request benign_asset(seeded_random& rng, const std::string& page);
gen_request benign_api(seeded_random& rng);
gen_request crawler_request(seeded_random& rng);
std::string random_word(seeded_random& rng);

// Percent-encodes what must not appear raw in a request target (space, '"', '#', '%' and
// non-printable bytes); with `all`, every byte that is not unreserved.
std::string url_encode(std::string_view text, bool all);

}  // namespace vigil
