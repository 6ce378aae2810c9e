namespace Mvm.Tests.Unit.Transport;

/// <summary>A throwaway key pair generated for these tests only (ssh-keygen -t ed25519 -N '' -C test), and its fingerprints as ssh-keygen -lf prints them.</summary>
internal static class TestKeys
{
    public const string Ed25519Private =
        "-----BEGIN OPENSSH PRIVATE KEY-----\n" +
        "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n" +
        "QyNTUxOQAAACBpB9e1OtBEAYwCglH2ZybRUAQ/eoEgP3BWb4/MpF36ZgAAAIjlLC2J5Swt\n" +
        "iQAAAAtzc2gtZWQyNTUxOQAAACBpB9e1OtBEAYwCglH2ZybRUAQ/eoEgP3BWb4/MpF36Zg\n" +
        "AAAEDoFFssoRwxGOIdIzXlgeikysgVpxC0chBEthQMj30ARGkH17U60EQBjAKCUfZnJtFQ\n" +
        "BD96gSA/cFZvj8ykXfpmAAAABHRlc3QB\n" +
        "-----END OPENSSH PRIVATE KEY-----\n";

    public const string Ed25519Public = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGkH17U60EQBjAKCUfZnJtFQBD96gSA/cFZvj8ykXfpm test";
    public const string Ed25519Fingerprint = "SHA256:j73Bp6pZMqaWMhLo5GJDKpKcKvyKy3C7MH4fhAk3aOg";

    public const string RsaPublic = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDOcw7wLwcgtBZrTQ2RO5hLdwo4myX4jPh/Drbwc7kBAlIhmmBsMI3E8uxKyUBY6Ek1Ut/fAo+LPw8pmNQlCiAofLQCOgNQkPSekK5B2mithLT2xk7rTmBw+rWXQXXbTOQx4gD21W8vT8LRMC3NaINMLV3fF5BwPOUiNkWnE4C90iEBjk8Kc/2O1PiKAWYK3BUzOP953hYPmKmQs9m0EteLv6sWH3tlYp/LxkUa2Ofu4B4SahgacEZDRNWZJWNWvwWUZM4FCcFu0QAgz+I0VdRhxB3N6uWQHEl3oIsB3nzlB903Ufnnyui5kzUsO5zUqbZdG6zrob4K6Wu+sMp4eDd5 test";
    public const string RsaFingerprint = "SHA256:eb3v3smJrPWTBJ7N+bt+QN6f+te+TbbHjVI0vvU+seo";

    /// <summary>`10.0.0.5 &lt;ed25519&gt;` hashed by ssh-keygen -H.</summary>
    public const string HashedLine = "|1|ctND3KwoLH9PMAhBrL/aY0wSH+k=|mWfXMD0Pj5MvUIsnl7zqVq2LP7M= ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGkH17U60EQBjAKCUfZnJtFQBD96gSA/cFZvj8ykXfpm";
}
