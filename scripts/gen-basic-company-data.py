#!/usr/bin/env python3
"""Writes a synthetic Companies House BasicCompanyData CSV (the free company
data product's header, with its leading spaces) of N rows to stdout, for the
streaming import's time and memory measurement (BENCHMARKS.md). Company
numbers are 00000001.. so that a registry generated with `s54 generate`
matches some of them. Usage: gen-basic-company-data.py N > file.csv"""
import sys

HEADER = ("CompanyName, CompanyNumber,RegAddress.CareOf,RegAddress.POBox,RegAddress.AddressLine1,"
          " RegAddress.AddressLine2,RegAddress.PostTown,RegAddress.County,RegAddress.Country,"
          "RegAddress.PostCode,CompanyCategory,CompanyStatus,CountryOfOrigin,DissolutionDate,"
          "IncorporationDate,Accounts.AccountRefDay,Accounts.AccountRefMonth,Accounts.NextDueDate,"
          "Accounts.LastMadeUpDate,Accounts.AccountCategory,Returns.NextDueDate,Returns.LastMadeUpDate,"
          "Mortgages.NumMortCharges,Mortgages.NumMortOutstanding,Mortgages.NumMortPartSatisfied,"
          "Mortgages.NumMortSatisfied,SICCode.SicText_1,SICCode.SicText_2,SICCode.SicText_3,"
          "SICCode.SicText_4,LimitedPartnerships.NumGenPartners,LimitedPartnerships.NumLimPartners,URI")
CATS = ["Private Limited Company", "Public Limited Company", "Limited Liability Partnership",
        "PRI/LTD BY GUAR/NSC (Private, limited by guarantee, no share capital)"]
SICS = ["10110 - Processing and preserving of meat", "47110 - Retail sale in non-specialised stores",
        "62020 - Information technology consultancy activities", "70100 - Activities of head offices"]


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5_000_000
    out = sys.stdout
    out.write(HEADER + "\r\n")
    for i in range(1, n + 1):
        num = f"{i:08d}"
        month = i % 12 + 1
        out.write(
            f'"COMPANY {num} LIMITED","{num}",,,"{i} HIGH STREET",,"LONDON",,"UNITED KINGDOM","EC1A 1AA",'
            f'"{CATS[i % 4]}","Active","United Kingdom",,"01/01/2000","{28 if month == 2 else 30}","{month}",'
            f'"30/09/2027","31/12/2025","FULL","14/01/2027","31/12/2025","0","0","0","0",'
            f'"{SICS[i % 4]}",,,,"0","0","http://business.data.gov.uk/id/company/{num}"\r\n')


if __name__ == "__main__":
    main()
