using Microsoft.CodeAnalysis;

namespace Pymar.Hosting.Analyzers;

/// <summary>The diagnostics Pymar's analyzers report; each ID has a page under docs/analyzers.</summary>
internal static class Diagnostics
{
    private const string HelpRoot = "https://github.com/pymar-hosting/Pymar.Hosting/blob/main/docs/analyzers/";

    public const string UnregisteredTypeId = "PYMAR001";
    public const string ProducerStateId = "PYMAR002";
    public const string JsonRoundTripId = "PYMAR003";

    /// <summary>Set on a PYMAR002 diagnostic whose field is private and written only in constructors.</summary>
    public const string CanBeReadOnlyProperty = "CanBeReadOnly";

    public static readonly DiagnosticDescriptor UnregisteredType = new(
        UnregisteredTypeId,
        title: "Producer or data source is used but never registered",
        messageFormat: "The {0} '{1}' is passed to {2} but never registered with {3}: the job fails at run time",
        category: "Usage",
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "A job names its producer and data source by their registered names, and a worker builds them from dependency injection. This compilation registers producers or data sources, but not this one.",
        helpLinkUri: HelpRoot + UnregisteredTypeId + ".md",
        customTags: WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor ProducerState = new(
        ProducerStateId,
        title: "Producer state does not reach workers",
        messageFormat: "Producer '{0}' keeps state in '{1}': workers build their own '{0}' from dependency injection, so a value set on the instance passed to MapAsync does not reach them",
        category: "Usage",
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "Only the producer's name and the slice window travel to a worker. Pass settings through the items, a data source, or an options type the workers' dependency injection provides.",
        helpLinkUri: HelpRoot + ProducerStateId + ".md");

    public static readonly DiagnosticDescriptor JsonRoundTrip = new(
        JsonRoundTripId,
        title: "Type does not round-trip through System.Text.Json",
        messageFormat: "'{0}' travels between producer and workers as JSON but System.Text.Json cannot read it back: {1}",
        category: "Usage",
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "A producer's values (and its items, when they come from memory) are written as JSON with System.Text.Json. A type it cannot create again fails at the first job.",
        helpLinkUri: HelpRoot + JsonRoundTripId + ".md");
}
