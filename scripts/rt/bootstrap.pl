#!/usr/bin/perl
# Prepare a Request Tracker 5 database for Tripline's tests. Run as root.
#
#   perl scripts/rt/bootstrap.pl
#
# - sets the password of user "root" ($ENV{TRIPLINE_RT_ROOT_PASSWORD}, default "password")
# - ensures queue "General" exists
# - ensures the ticket custom field "TriplineKey" (FreeformSingle, applied to all queues)
# - mints a new REST2 auth token for root
# and prints exactly one JSON line on stdout:
#   {"token":"1-14-...","customField":"TriplineKey","customFieldId":3}
# Everything else (RT's own logging, errors) goes to stderr; exit status 1 on failure.
#
# Safe to run repeatedly: the custom field and queue are reused; each run adds a token.
# Which database it touches follows RT's config, so TRIPLINE_RT_DB (see install.sh)
# selects a private SQLite copy.
use strict;
use warnings;

use lib '/usr/share/request-tracker5/lib';

# Keep stdout clean for the JSON line: anything printed while RT loads goes to stderr.
open( my $json_out, '>&', \*STDOUT ) or die "dup stdout: $!";
open( STDOUT, '>&', \*STDERR ) or die "redirect stdout: $!";

use RT;
RT::LoadConfig();
RT::Init();

use JSON ();

my $CF_NAME = 'TriplineKey';
my $QUEUE   = 'General';
my $LOOKUP  = 'RT::Queue-RT::Ticket';

sub fail { print STDERR "bootstrap.pl: @_\n"; exit 1 }

my $system = RT->SystemUser;

# --- root's password -------------------------------------------------------
my $user = RT::User->new($system);
$user->Load('root');
fail("user root not found") unless $user->Id;
my $password = $ENV{TRIPLINE_RT_ROOT_PASSWORD} // 'password';
unless ( $user->IsPassword($password) ) {
    my ( $ok, $msg ) = $user->SetPassword($password);
    fail("SetPassword: $msg") unless $ok;
}

# --- queue General ---------------------------------------------------------
my $queue = RT::Queue->new($system);
$queue->Load($QUEUE);
unless ( $queue->Id ) {
    my ( $id, $msg ) = $queue->Create( Name => $QUEUE, Description => 'Default queue' );
    fail("create queue $QUEUE: $msg") unless $id;
}
if ( $queue->Disabled ) {
    my ( $ok, $msg ) = $queue->SetDisabled(0);
    fail("enable queue $QUEUE: $msg") unless $ok;
}

# --- custom field TriplineKey ----------------------------------------------
my $cf = RT::CustomField->new($system);
$cf->LoadByName( Name => $CF_NAME, LookupType => $LOOKUP, IncludeDisabled => 1 );
unless ( $cf->Id ) {
    my ( $id, $msg ) = $cf->Create(
        Name        => $CF_NAME,
        Type        => 'FreeformSingle',
        LookupType  => $LOOKUP,
        Description => 'Tripline incident key',
    );
    fail("create custom field $CF_NAME: $msg") unless $id;
}
if ( $cf->Disabled ) {
    my ( $ok, $msg ) = $cf->SetDisabled(0);
    fail("enable custom field $CF_NAME: $msg") unless $ok;
}
unless ( $cf->IsGlobal ) {
    # An object with Id 0 means "all queues".
    my ( $ok, $msg ) = $cf->AddToObject( RT::Queue->new($system) );
    fail("apply custom field $CF_NAME globally: $msg") unless $ok;
}

# --- REST2 token for root --------------------------------------------------
my $token = RT::AuthToken->new($system);
my ( $token_id, $token_msg, $authstring ) = $token->Create(
    Owner       => $user->Id,
    Description => 'tripline-tests ' . scalar( gmtime() ),
);
fail("create auth token: $token_msg") unless $token_id && $authstring;

print {$json_out} JSON->new->canonical->encode(
    {   token         => $authstring,
        customField   => $CF_NAME,
        customFieldId => 0 + $cf->Id,
    }
) . "\n";
close $json_out;
exit 0;
