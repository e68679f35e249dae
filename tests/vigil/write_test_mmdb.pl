#!/usr/bin/perl
# Writes a small, real MaxMind DB (the same format as GeoLite2-Country) for the GeoIP tests, with
# Debian's libmaxmind-db-writer-perl:
#   perl write_test_mmdb.pl OUT.mmdb 203.0.113.0/24=FR 2001:db8::/32=DE 192.0.2.0/24=@JP ...
# NETWORK=CC sets country.iso_code; NETWORK=@CC sets only registered_country.iso_code. IPv4 networks
# are also reachable as IPv4-mapped IPv6 (::ffff:a.b.c.d), as in MaxMind's own databases.
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my $out = shift @ARGV or die "usage: $0 OUT.mmdb NETWORK=CC...\n";
my %types = (country => 'map', registered_country => 'map', iso_code => 'utf8_string');
my $tree = MaxMind::DB::Writer::Tree->new(
  ip_version            => 6,
  record_size           => 24,
  database_type         => 'vigil-test-country',
  languages             => ['en'],
  description           => { en => 'vigil GeoIP test database' },
  map_key_type_callback => sub { $types{ $_[0] } },
  alias_ipv6_to_ipv4    => 1,
  remove_reserved_networks => 0,    # the tests use the documentation networks (RFC 5737, RFC 3849)
);
for my $arg (@ARGV) {
  my ($network, $code) = split /=/, $arg, 2;
  die "expected NETWORK=CC, got '$arg'\n" unless defined $code && length $code;
  my $record = $code =~ s/^@// ? { registered_country => { iso_code => $code } } : { country => { iso_code => $code } };
  $tree->insert_network($network, $record);
}
open my $fh, '>:raw', $out or die "cannot write $out: $!\n";
$tree->write_tree($fh);
close $fh or die "cannot write $out: $!\n";
