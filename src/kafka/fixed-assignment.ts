import type { PartitionAssigner } from 'kafkajs'
import { loadKafkajs } from './patches/index.js'

/**
 * A group whose first member takes exactly the given partitions of each topic (kafkajs has no
 * manual assignment): the restore of one state-changelog partition, or a read replica of them
 * all (the state changelog, the identity-event topics). Such groups are throwaway: they commit
 * nothing.
 */
export function fixedAssignment(
  name: string,
  assignment: Readonly<Record<string, readonly number[]>>,
): PartitionAssigner {
  const { AssignerProtocol } = loadKafkajs()
  return () => ({
    name,
    version: 1,
    protocol: ({ topics }) => ({
      name,
      metadata: AssignerProtocol.MemberMetadata.encode({
        version: 1,
        topics,
        userData: Buffer.alloc(0),
      }),
    }),
    assign: async ({ members }) =>
      members.map((member, i) => ({
        memberId: member.memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 1,
          assignment:
            i === 0
              ? Object.fromEntries(Object.entries(assignment).map(([t, ps]) => [t, [...ps]]))
              : {},
          userData: Buffer.alloc(0),
        }),
      })),
  })
}
