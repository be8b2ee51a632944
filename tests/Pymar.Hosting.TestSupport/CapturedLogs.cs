using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Pymar.Hosting.TestSupport;

/// <summary>
/// A logger provider that keeps every line a host in the test process logs, formatted like the console logger
/// (<c>warn: Category[EventId] message</c>, then the exception), so tests can check what a user would read.
/// </summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public string All => string.Join('\n', _lines);

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var level = logLevel switch
            {
                LogLevel.Trace => "trce",
                LogLevel.Debug => "dbug",
                LogLevel.Information => "info",
                LogLevel.Warning => "warn",
                LogLevel.Error => "fail",
                _ => "crit",
            };
            var line = $"{level}: {category}[{eventId.Id}] {formatter(state, exception)}";
            lines.Enqueue(exception is null ? line : $"{line}\n{exception}");
        }
    }
}
