using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Pymar.Hosting.Analyzers;

/// <summary>
/// PYMAR001: a producer passed to <c>MapAsync</c> or a data source named by <c>DataSourceFactory&lt;T&gt;.For&lt;TSource&gt;</c>
/// that the compilation never registers. Reported only for types declared in this compilation, and only when the
/// compilation registers others of the same kind with type arguments or <c>typeof</c> alone (any other
/// registration could name the type, so the check stays quiet).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class UnregisteredTypeAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Diagnostics.UnregisteredType);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (PymarTypes.From(start.Compilation) is not { } types)
            {
                return;
            }

            var producers = new Usage("producer", "AddProducer<T>() or AddPymarProducer<T>()");
            var dataSources = new Usage("data source", "AddDataSource<T>() or AddPymarDataSource<T>()");
            start.RegisterOperationAction(c => Collect(c, types, producers, dataSources), OperationKind.Invocation);
            start.RegisterCompilationEndAction(end =>
            {
                producers.Report(end);
                dataSources.Report(end);
            });
        });
    }

    private static void Collect(OperationAnalysisContext context, PymarTypes types, Usage producers, Usage dataSources)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var method = invocation.TargetMethod;
        var containing = method.ContainingType?.OriginalDefinition;
        if (containing is null)
        {
            return;
        }

        if (SymbolEqualityComparer.Default.Equals(containing, types.BuilderExtensions)
            || SymbolEqualityComparer.Default.Equals(containing, types.ServiceCollectionExtensions))
        {
            var usage = method.Name switch
            {
                "AddProducer" or "AddPymarProducer" => producers,
                "AddDataSource" or "AddPymarDataSource" => dataSources,
                _ => null,
            };
            usage?.Register(RegisteredType(invocation));
            return;
        }

        if (SymbolEqualityComparer.Default.Equals(containing, types.ProducerClient)
            && method.Name is "MapAsync" or "MapWithFailuresAsync"
            && invocation.Arguments.FirstOrDefault(a => a.Parameter?.Ordinal == 0) is { } producer)
        {
            var type = producer.Value is IConversionOperation { IsImplicit: true } conversion ? conversion.Operand.Type : producer.Value.Type;
            producers.Use(type, context.Compilation, "MapAsync", producer.Value.Syntax.GetLocation());
            return;
        }

        if (SymbolEqualityComparer.Default.Equals(containing, types.DataSourceFactory)
            && method.Name == "For"
            && method.TypeArguments.Length == 1)
        {
            dataSources.Use(method.TypeArguments[0], context.Compilation, "DataSourceFactory.For<TSource>()", invocation.Syntax.GetLocation());
        }
    }

    /// <summary>The type a registration call names, or null when it is not known at compile time.</summary>
    private static ITypeSymbol? RegisteredType(IInvocationOperation invocation)
    {
        if (invocation.TargetMethod.TypeArguments.Length == 1)
        {
            return invocation.TargetMethod.TypeArguments[0];
        }

        var typeArgument = invocation.Arguments.FirstOrDefault(a => a.Parameter?.Type.Name == "Type");
        return typeArgument?.Value is ITypeOfOperation typeOf ? typeOf.TypeOperand : null;
    }

    /// <summary>Registrations and uses of one kind (producers or data sources) in the compilation.</summary>
    private sealed class Usage(string kind, string registration)
    {
        private readonly ConcurrentDictionary<ITypeSymbol, byte> _registered = new(SymbolEqualityComparer.Default);
        private readonly ConcurrentQueue<(ITypeSymbol Type, string Call, Location Location)> _used = new();
        private int _registrations;
        private int _unknownRegistrations;

        public void Register(ITypeSymbol? type)
        {
            Interlocked.Increment(ref _registrations);
            if (type is null or ITypeParameterSymbol or IErrorTypeSymbol)
            {
                Interlocked.Increment(ref _unknownRegistrations);
                return;
            }

            _registered.TryAdd(type.OriginalDefinition, 0);
        }

        public void Use(ITypeSymbol? type, Compilation compilation, string call, Location location)
        {
            // Only a concrete class this compilation declares: another assembly may register its own types.
            if (type is INamedTypeSymbol { TypeKind: TypeKind.Class, IsAbstract: false } named
                && SymbolEqualityComparer.Default.Equals(named.ContainingAssembly, compilation.Assembly))
            {
                _used.Enqueue((named.OriginalDefinition, call, location));
            }
        }

        public void Report(CompilationAnalysisContext context)
        {
            if (Volatile.Read(ref _registrations) == 0 || Volatile.Read(ref _unknownRegistrations) > 0)
            {
                return;
            }

            foreach (var (type, call, location) in _used)
            {
                if (!_registered.ContainsKey(type))
                {
                    context.ReportDiagnostic(Diagnostic.Create(
                        Diagnostics.UnregisteredType, location, kind, type.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat), call, registration));
                }
            }
        }
    }
}
