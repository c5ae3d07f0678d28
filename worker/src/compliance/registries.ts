/**
 * The national do-not-call registries the platform knows (spec "Compliance &
 * DNC"): each belongs to one country, is imported by the platform operator
 * and applies to every tenant. They are not part of a tenant's editable
 * rules: no tenant can switch a national registry off.
 */

export interface NationalRegistry {
  code: string;
  country: string;
  name: string;
}

export const NATIONAL_REGISTRIES: readonly NationalRegistry[] = [
  { code: 'TDRA', country: 'AE', name: 'Telecommunications and Digital Government Regulatory Authority (UAE)' },
  { code: 'CITC', country: 'SA', name: 'Communications, Space and Technology Commission (KSA)' },
  { code: 'NTRA', country: 'EG', name: 'National Telecom Regulatory Authority (Egypt)' },
  { code: 'TRC', country: 'JO', name: 'Telecommunications Regulatory Commission (Jordan)' },
];

export function registryByCode(code: string): NationalRegistry | null {
  return NATIONAL_REGISTRIES.find((r) => r.code === code.toUpperCase()) ?? null;
}

export function registryForCountry(country: string | null): NationalRegistry | null {
  return country === null ? null : (NATIONAL_REGISTRIES.find((r) => r.country === country) ?? null);
}
