using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Pymar.Hosting.Analyzers;

/// <summary>
/// PYMAR002: a producer with a mutable instance field or a settable property. Workers build their own producer
/// from dependency injection, so such state set on the caller's instance never reaches them. Readonly fields
/// (dependencies taken by the constructor) are fine.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ProducerStateAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Diagnostics.ProducerState);

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

            start.RegisterSymbolStartAction(symbolStart => AnalyzeType(symbolStart, types), SymbolKind.NamedType);
        });
    }

    private static void AnalyzeType(SymbolStartAnalysisContext context, PymarTypes types)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (type.TypeKind != TypeKind.Class || types.FindProducerBase(type) is null)
        {
            return;
        }

        var fields = type.GetMembers().OfType<IFieldSymbol>()
            .Where(f => !f.IsStatic && !f.IsConst && !f.IsReadOnly && !f.IsImplicitlyDeclared)
            .ToImmutableArray();
        var properties = type.GetMembers().OfType<IPropertySymbol>()
            .Where(p => !p.IsStatic && !p.IsIndexer && !p.IsImplicitlyDeclared && p.SetMethod is not null)
            .ToImmutableArray();
        if (fields.IsEmpty && properties.IsEmpty)
        {
            return;
        }

        // A private field written only by the constructors can simply be readonly: the code fix offers that.
        var writtenElsewhere = new ConcurrentDictionary<IFieldSymbol, byte>(SymbolEqualityComparer.Default);
        context.RegisterOperationAction(
            c =>
            {
                var reference = (IFieldReferenceOperation)c.Operation;
                if (fields.Contains(reference.Field, SymbolEqualityComparer.Default) && IsWrite(reference, c.ContainingSymbol) && !InConstructorOf(c.ContainingSymbol, reference, type))
                {
                    writtenElsewhere.TryAdd(reference.Field, 0);
                }
            },
            OperationKind.FieldReference);

        context.RegisterSymbolEndAction(end =>
        {
            var hasNestedTypes = !type.GetTypeMembers().IsEmpty;
            var name = type.Name;
            foreach (var field in fields)
            {
                var canBeReadOnly = field.DeclaredAccessibility == Accessibility.Private && !hasNestedTypes && !writtenElsewhere.ContainsKey(field);
                var properties = canBeReadOnly
                    ? ImmutableDictionary<string, string?>.Empty.Add(Diagnostics.CanBeReadOnlyProperty, "true")
                    : ImmutableDictionary<string, string?>.Empty;
                end.ReportDiagnostic(Diagnostic.Create(Diagnostics.ProducerState, field.Locations.FirstOrDefault(), properties, name, field.Name));
            }

            foreach (var property in properties)
            {
                end.ReportDiagnostic(Diagnostic.Create(Diagnostics.ProducerState, property.Locations.FirstOrDefault(), name, property.Name));
            }
        });
    }

    /// <summary>Whether the reference stores into the field (assignment, increment, ref or out).</summary>
    private static bool IsWrite(IFieldReferenceOperation reference, ISymbol containing)
    {
        IOperation current = reference;
        while (current.Parent is ITupleOperation tuple)
        {
            current = tuple;
        }

        return current.Parent switch
        {
            IAssignmentOperation assignment => assignment.Target == current,
            IIncrementOrDecrementOperation => true,
            IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out } => true,
            IVariableInitializerOperation { Parent: IVariableDeclaratorOperation { Symbol.RefKind: not RefKind.None } } => true,
            IReturnOperation => containing is IMethodSymbol { ReturnsByRef: true },
            IAddressOfOperation => true,
            // A member of a struct field may change the struct, which a readonly field would not allow.
            IMemberReferenceOperation or IInvocationOperation when reference.Field.Type.IsValueType => true,
            _ => false,
        };
    }

    private static bool InConstructorOf(ISymbol containing, IOperation operation, INamedTypeSymbol type)
    {
        if (containing is not IMethodSymbol { MethodKind: MethodKind.Constructor, IsStatic: false } constructor
            || !SymbolEqualityComparer.Default.Equals(constructor.ContainingType, type))
        {
            return false;
        }

        for (var current = operation.Parent; current is not null; current = current.Parent)
        {
            if (current is IAnonymousFunctionOperation or ILocalFunctionOperation)
            {
                return false;
            }
        }

        return true;
    }
}
