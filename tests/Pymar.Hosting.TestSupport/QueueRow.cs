namespace Pymar.Hosting.TestSupport;

/// <summary>One line of <c>rabbitmqctl list_queues name type messages members leader</c>.</summary>
public sealed record QueueRow(string Name, string Type, long Messages, string Members, string Leader);
