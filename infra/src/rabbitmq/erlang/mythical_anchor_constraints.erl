%% TLS verify_fun of the stack's broker: applies the URI name constraints of the trust anchor
%% that issued a client certificate. Erlang/OTP's path validation skips the anchor's own
%% nameConstraints (RFC 5280 leaves that optional; OpenSSL applies them), so without this the
%% shipping CA could mint spiffe://retail.mythical.example/order-fulfillment-api and, with SASL
%% EXTERNAL taking the user name from that URI SAN, log in as the publisher.
%%
%% Records are matched as tuples: the Debian runtime ships no public_key headers.
-module(mythical_anchor_constraints).
-export([verify/3]).

-define(SUBJECT_ALT_NAME, {2, 5, 29, 17}).
-define(NAME_CONSTRAINTS, {2, 5, 29, 30}).

%% State: the path of the client CA bundle (the trust anchors).
verify(_Cert, {bad_cert, _} = Reason, _Bundle) -> {fail, Reason};
verify(_Cert, {extension, _}, Bundle) -> {unknown, Bundle};
verify(_Cert, valid, Bundle) -> {valid, Bundle};
verify(Cert, valid_peer, Bundle) ->
    case permitted_by_anchor(Cert, Bundle) of
        true -> {valid, Bundle};
        false -> {fail, {bad_cert, name_not_permitted}}
    end.

permitted_by_anchor(Cert, Bundle) ->
    case anchor_of(Cert, Bundle) of
        undefined -> false;
        Anchor ->
            case permitted_uri_hosts(Anchor) of
                unconstrained -> true;
                Hosts -> lists:all(fun(Uri) -> host_permitted(Uri, Hosts) end, uris(Cert))
            end
    end.

tbs({'OTPCertificate', Tbs, _, _}) -> Tbs.
issuer(Cert) -> element(5, tbs(Cert)).
subject(Cert) -> element(7, tbs(Cert)).
extensions(Cert) ->
    case element(11, tbs(Cert)) of
        Extensions when is_list(Extensions) -> Extensions;
        _ -> []
    end.

extension(Cert, Id) ->
    case lists:keyfind(Id, 2, extensions(Cert)) of
        {'Extension', Id, _Critical, Value} -> Value;
        false -> undefined
    end.

anchor_of(Cert, Bundle) ->
    {ok, Pem} = file:read_file(Bundle),
    Issuer = public_key:pkix_normalize_name(issuer(Cert)),
    Anchors = [public_key:pkix_decode_cert(Der, otp)
               || {'Certificate', Der, not_encrypted} <- public_key:pem_decode(Pem)],
    case [A || A <- Anchors, public_key:pkix_normalize_name(subject(A)) =:= Issuer] of
        [Anchor | _] -> Anchor;
        [] -> undefined
    end.

permitted_uri_hosts(Anchor) ->
    case extension(Anchor, ?NAME_CONSTRAINTS) of
        {'NameConstraints', Permitted, _Excluded} when is_list(Permitted) ->
            case [Host || {'GeneralSubtree', {uniformResourceIdentifier, Host}, _, _} <- Permitted] of
                [] -> unconstrained;
                Hosts -> Hosts
            end;
        _ -> unconstrained
    end.

uris(Cert) ->
    case extension(Cert, ?SUBJECT_ALT_NAME) of
        Names when is_list(Names) -> [Uri || {uniformResourceIdentifier, Uri} <- Names];
        _ -> []
    end.

%% RFC 5280 4.2.1.10: a constraint starting with "." is a domain suffix, otherwise the exact host.
host_permitted(Uri, Hosts) ->
    case uri_string:parse(Uri) of
        #{host := Host} ->
            H = string:lowercase(Host),
            lists:any(fun(C) -> matches(H, string:lowercase(C)) end, Hosts);
        _ -> false
    end.

matches(Host, [$. | _] = Suffix) -> lists:suffix(Suffix, Host);
matches(Host, Host) -> true;
matches(_, _) -> false.
