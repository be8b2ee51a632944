namespace Pymar.Hosting.Transport;

/// <summary>An open inbox for slice replies. Disposing it removes it from the transport.</summary>
public interface IReplyInbox : IAsyncDisposable
{
    /// <summary>The address that slice requests name as their reply address.</summary>
    string Address { get; }
}
