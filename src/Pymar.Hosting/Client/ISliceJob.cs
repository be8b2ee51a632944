using Pymar.Hosting.Messaging;

namespace Pymar.Hosting.Client;

/// <summary>A running job as the client's reply router sees it.</summary>
internal interface ISliceJob
{
    /// <summary>Hands a reply of this job to it.</summary>
    bool TryPost(SliceReply reply);

    /// <summary>Publishes again every slice that has no answer yet (after replies may have been lost).</summary>
    Task RepublishMissingAsync(CancellationToken cancellationToken);
}
