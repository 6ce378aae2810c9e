using Renci.SshNet;
using Renci.SshNet.Security;

namespace Mvm.Transport;

/// <summary>
/// The agent's keys as SSH.NET's public-key authentication sees them: each key is offered under
/// the signature algorithms it supports (an `ssh-rsa` key as rsa-sha2-512 and rsa-sha2-256,
/// never SHA-1), and signing is done by the agent. The list is read when authentication starts,
/// so keys added to the agent later are used by the next connection.
/// </summary>
internal sealed class SshAgentKeys(string socket) : IPrivateKeySource
{
    public IReadOnlyCollection<HostAlgorithm> HostKeyAlgorithms
    {
        get
        {
            IReadOnlyList<(byte[] Blob, string Comment)> keys;
            try
            {
                keys = SshAgentClient.ListKeys(socket);
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
            {
                // An agent that is gone offers nothing; the other methods may still log in.
                return [];
            }
            var algorithms = new List<HostAlgorithm>();
            foreach (var (blob, _) in keys)
            {
                var type = HostKeyVerifier.BlobType(blob);
                if (type is null) continue;
                if (type == "ssh-rsa")
                {
                    algorithms.Add(new AgentKey("rsa-sha2-512", blob, socket, SshAgentClient.RsaSha2512));
                    algorithms.Add(new AgentKey("rsa-sha2-256", blob, socket, SshAgentClient.RsaSha2256));
                }
                else
                {
                    algorithms.Add(new AgentKey(type, blob, socket, 0));
                }
            }
            return algorithms;
        }
    }

    private sealed class AgentKey(string name, byte[] blob, string socket, uint flags) : HostAlgorithm(name)
    {
        public override byte[] Data => blob;

        public override byte[] Sign(byte[] data) => SshAgentClient.Sign(socket, blob, data, flags);

        // Only ever used to sign our own authentication requests; verification is the server's.
        public override bool VerifySignature(byte[] data, byte[] signature) => throw new NotSupportedException();
    }
}
